"""Import a transactions CSV into one account, as the system, and print the validation report."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portfolios.errors import PortfoliosError
from portfolios.models import Account
from portfolios.services.imports import import_transactions_csv


class Command(BaseCommand):
    help = (
        "Import transactions from a CSV file (columns date,kind,symbol,quantity,price,fees,amount,"
        "description,external_id) into an account: every row, or none and a report of each problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("account_id", type=int)
        parser.add_argument("file", type=Path)

    def handle(self, *args, account_id: int, file: Path, **options):
        account = Account.objects.filter(pk=account_id).first()
        if account is None:
            raise CommandError(f"No account with id {account_id}.")
        try:
            with file.open("rb") as handle:
                result = import_transactions_csv(account=account, file=handle, actor=None)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        except PortfoliosError as error:
            for problem in error.fields.get("rows", []):
                column = f" [{problem['column']}]" if problem["column"] else ""
                self.stderr.write(f"line {problem['line']}{column}: {problem['message']}")
            raise CommandError(error.message) from error
        kinds = ", ".join(f"{kind} {count}" for kind, count in result.kinds.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {result.row_count} transactions into {account} ({kinds})."))
