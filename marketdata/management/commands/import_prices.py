"""``manage.py import_prices FILE``: import daily prices from a CSV file, all lines or none."""

from django.core.management.base import BaseCommand, CommandError

from marketdata.errors import MarketDataError, PriceImportError
from marketdata.services import import_prices


class Command(BaseCommand):
    help = (
        "Import daily bars from a CSV file with the header date,symbol,open,high,low,close,volume[,adj_close]. "
        "Every line is checked first; if any is bad, nothing is imported and each bad line is reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--create-instruments", action="store_true", help="Create instruments for symbols not known yet."
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            with open(path, newline="", encoding="utf-8") as stream:
                summary = import_prices(lines=stream, create_instruments=options["create_instruments"])
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 text.") from error
        except PriceImportError as error:
            for line_error in error.errors:
                self.stderr.write(f"{line_error} [{line_error.code}]")
            raise CommandError(error.message) from error
        except MarketDataError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Imported {summary.bars_stored} daily bars ({summary.instruments_created} new instruments).")
