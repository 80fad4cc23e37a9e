"""Celery tasks of the portfolios domain: they take ids, re-fetch, and call a service."""

import datetime as dt

from celery import shared_task

from .models import Account
from .services.valuation import refresh_account_values as refresh_values


@shared_task(name="portfolios.refresh_account_values", ignore_result=True)
def refresh_account_values(account_id: int, since: str | None = None) -> int:
    """Rebuild an account's value history from ``since`` (ISO date) on; a missing account is a no-op.

    Safe to run twice or out of order: each run replaces the rows from ``since`` on with what the
    ledger and prices imply at that moment.
    """
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return 0
    return refresh_values(account=account, since=dt.date.fromisoformat(since) if since else None)
