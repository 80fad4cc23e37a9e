"""The paper simulator: the submit path on the configured database, and the pure matching engine.

    .venv/bin/python benchmarks/simulator.py [--orders 1000] [--threads 16]
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/simulator.py

Runs against a throwaway database (``<name>_bench_simulator`` on PostgreSQL, a temporary file on
SQLite). Celery runs eagerly and trade updates go to a sink that discards them, so a submission is
timed in two parts: ``SimulatorBroker.submit_order`` inside the caller's transaction (what an API
request waits for) and the commit with its after-commit work (arrival matching + delivery, which a
worker does in production). Then ``--threads`` threads submit concurrently, each order in its own
transaction with its after-commit work, for orders/s. Last, the pure engine: orders x bars per second.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "valuepartner.settings.base")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "True"
os.environ["SIMULATOR_TRADE_UPDATE_SINK"] = "benchmarks.simulator.discard"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

from benchmarks.harness import percentile  # noqa: E402
from marketdata.models import DailyBar, Instrument  # noqa: E402
from trading import simulation as sim  # noqa: E402
from trading.brokers.base import OrderRequest  # noqa: E402
from trading.brokers.simulator import SimulatorBroker  # noqa: E402
from trading.models import SimulatedEvent, SimulatedOrder  # noqa: E402

DELIVERED = []


def discard(update, *, source):
    DELIVERED.append(update.event)


def request(number: int, prefix: str) -> OrderRequest:
    return OrderRequest(
        client_order_id=f"{prefix}-{number}",
        symbol="BENCH",
        side="buy" if number % 2 else "sell",
        order_type="market" if number % 3 else "limit",
        time_in_force="day",
        qty=Decimal(10),
        limit_price=None if number % 3 else Decimal("95"),
        broker_account_id="1",
    )


def one_at_a_time(broker: SimulatorBroker, orders: int) -> tuple[list[float], list[float]]:
    submit, after = [], []
    for number in range(orders):
        started = time.perf_counter()
        with transaction.atomic():
            broker.submit_order(request(number, "serial"))
            submitted = time.perf_counter()
        done = time.perf_counter()
        submit.append(submitted - started)
        after.append(done - submitted)
    return submit, after


def concurrent(broker: SimulatorBroker, threads: int, per_thread: int) -> float:
    barrier = threading.Barrier(threads + 1)

    def work(index: int) -> None:
        barrier.wait()
        for number in range(per_thread):
            with transaction.atomic():
                broker.submit_order(request(number, f"t{index}"))
            connections.close_all()  # back to the pool, as at the end of a request

    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return threads * per_thread / (time.perf_counter() - started)


def engine(orders: int, bars: int) -> float:
    path = []
    price = Decimal("100")
    day = dt.date(2024, 1, 2)
    for index in range(bars):
        swing = Decimal((index * 37) % 11 - 5) / 2
        high, low = price + abs(swing) + 1, price - abs(swing) - 1
        close = price + swing / 2
        path.append(sim.Bar(day + dt.timedelta(days=index), close=close, open=price, high=high, low=low, volume=5000))
        price = close
    config = sim.SimConfig()
    started = time.perf_counter()
    for number in range(orders):
        spec = sim.OrderSpec(
            key=str(number),
            side="sell",
            order_type="trailing_stop",
            time_in_force="gtc",
            submitted_at=dt.datetime(2024, 1, 1, 20, tzinfo=dt.UTC),
            session=day,
            qty=Decimal(10_000),
            trail_percent=Decimal(50),  # never triggers: every bar is walked
        )
        state = sim.OrderState()
        sim.on_arrival(spec, state, sim.Quote(Decimal(100), 5000), config)
        for bar in path:
            sim.on_bar(spec, state, bar, config)
    return orders * bars / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--per-thread", type=int, default=60)
    options = parser.parse_args()

    test_settings = connection.settings_dict.setdefault("TEST", {})
    scratch = tempfile.TemporaryDirectory()
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(Path(scratch.name) / "bench_simulator.sqlite3")
    else:
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_bench_simulator"
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        instrument = Instrument.objects.create(symbol="BENCH", name="Bench Corp")
        DailyBar.objects.create(
            instrument=instrument, date=dt.date(2024, 1, 2), close=Decimal(100), adj_close=Decimal(100), volume=10**7
        )
        broker = SimulatorBroker()
        broker.submit_order(request(-1, "warm"))  # the calendar and first connection, not timed
        submit, after = one_at_a_time(broker, options.orders)
        events = SimulatedEvent.objects.count()
        rate = concurrent(broker, options.threads, options.per_thread)
        total = SimulatedOrder.objects.count()
        if total != 1 + options.orders + options.threads * options.per_thread:
            raise SystemExit(f"lost orders: {total}")
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        teardown_test_environment()
    print(f"database: {connection.vendor}; {options.orders} orders one at a time ({events} trade updates delivered)")
    print(
        f"submit_order (in the caller's transaction): p50 {percentile(submit, 50):.2f} ms, "
        f"p99 {percentile(submit, 99):.2f} ms"
    )
    print(
        f"commit + after-commit matching and delivery: p50 {percentile(after, 50):.2f} ms, "
        f"p99 {percentile(after, 99):.2f} ms"
    )
    print(f"{options.threads} threads x {options.per_thread} orders, with after-commit work: {rate:,.0f} orders/s")
    runs = [engine(200, 250) for _ in range(3)]
    print(f"matching engine (pure): {statistics.median(runs):,.0f} order-bars/s (trailing stops walking 4-point paths)")


if __name__ == "__main__":
    main()
