"""Replay every account's transactions and report where stored lots, positions or cash disagree."""

from django.core.management.base import BaseCommand, CommandError

from portfolios.ledger.check import check_account
from portfolios.models import Account

# Accounts are read a page of ids at a time and checked one by one, so memory stays bounded
# by the largest single account, not by the database.
PAGE = 500


class Command(BaseCommand):
    help = "Check that every account's lots, positions and cash equal what its transactions imply."

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, help="Check only this account id.")

    def handle(self, *args, account=None, **options):
        accounts = Account.objects.order_by("pk")
        if account is not None:
            accounts = accounts.filter(pk=account)
            if not accounts.exists():
                raise CommandError(f"No account with id {account}.")
        checked = 0
        inconsistent = 0
        last_pk = 0
        while True:
            page = list(accounts.filter(pk__gt=last_pk).only("pk")[:PAGE])
            if not page:
                break
            for each in page:
                differences = check_account(each)
                checked += 1
                if differences:
                    inconsistent += 1
                    for difference in differences:
                        self.stdout.write(str(difference))
            last_pk = page[-1].pk
        if inconsistent:
            raise CommandError(f"Ledger inconsistent: {inconsistent} of {checked} accounts differ from their ledger.")
        self.stdout.write(self.style.SUCCESS(f"Ledger consistent: {checked} accounts"))
