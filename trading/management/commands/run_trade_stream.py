"""``manage.py run_trade_stream``: apply Alpaca's trade_updates to our orders until stopped (SIGTERM/SIGINT).

Run one per deployment (Alpaca allows one stream connection per API key). It reconnects by itself and
asks for a reconciliation with the broker after every (re)connection, since Alpaca does not replay the
events of a gap.
"""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trading.alpaca_stream import TradeStreamWorker


class Command(BaseCommand):
    help = "Stream Alpaca's trade_updates and apply each to our orders (fills booked through the ledger)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-seconds",
            type=float,
            default=None,
            help="Stop after this many seconds (a smoke test of the connection); by default run until signalled.",
        )

    def handle(self, *args, **options):
        if not settings.ALPACA_API_KEY or not settings.ALPACA_SECRET_KEY:
            raise CommandError("Set ALPACA_API_KEY and ALPACA_SECRET_KEY to stream Alpaca's trade updates.")
        worker = TradeStreamWorker.from_settings()
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, lambda *_: stop.set())
        streaming = threading.Thread(target=worker.run, name="trade-updates", daemon=True)
        self.stdout.write(f"Streaming trade updates from {settings.ALPACA_STREAM_URL}.")
        streaming.start()
        stop.wait(options["max_seconds"])
        worker.stop()
        streaming.join(timeout=10)
        self.stdout.write(
            f"Stopped after {worker.connections} connection(s): {worker.received} update(s) received, "
            f"{worker.applied} applied, {worker.failed} not applied."
        )
