"""Import a fundamentals CSV (all-or-nothing; every problem printed with its line)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from strategies.services.fundamentals import FundamentalsFileError, import_fundamentals
from strategies.services.fundamentals_csv import COLUMNS


class Command(BaseCommand):
    help = f"Import company fundamentals from a CSV with columns {', '.join(COLUMNS)}."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file.")

    def handle(self, *args, path, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            batch = import_fundamentals(actor=None, file_name=file.name, content=file.read_bytes())
        except FundamentalsFileError as error:
            for line in error.fields["file"]:
                self.stderr.write(line)
            raise CommandError(error.message) from None
        self.stdout.write(f"{batch.file_name}: {batch.rows_created} rows added, {batch.rows_updated} updated.")
