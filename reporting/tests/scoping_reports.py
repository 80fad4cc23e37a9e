"""Every URL of the client reports (pages and API) addressing one object, for the generic scoping test.

Imported by reporting/tests/scoping.py. Producing and scheduling need MANAGE_BOOK, but reading is
enough for the registered GETs, so same-firm operators and compliance officers read them (200).
"""

from valuepartner.testing.scoping import register

from .reports_support import stored_report, tiny_account


def make_account(advisor):
    account = tiny_account(advisor)
    account.account_pk = account.pk
    return account


def make_household(advisor):
    household = tiny_account(advisor).client.household
    household.household_pk = household.pk
    return household


def make_report(advisor):
    return stored_report(advisor)


register("reports:account-reports", make_account)
register("reports:account-schedule", make_account)
register("reports:household-reports", make_household)
register("reports:household-schedule", make_household)
register("reports:report-download", make_report)
register("api:account-reports", make_account, kwarg="account_pk")
register("api:household-reports", make_household, kwarg="household_pk")
register("api:report-detail", make_report)
register("api:report-download", make_report)
