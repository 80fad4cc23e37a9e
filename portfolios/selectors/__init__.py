"""Reads of the portfolios domain, always scoped to what the requesting user may see.

Pages, API views and consumers call these and nothing else, so an object outside the user's
scope is simply absent: a detail lookup on it is a 404.
"""

from .accounts import account_visible_to, accounts_visible_to, model_portfolios_visible_to
from .drift import DriftReport, DriftRow, accounts_out_of_band, drift_for, drift_reports
from .holdings import account_summary, allocation_by_asset_class, allocation_by_sector, book_totals, holdings_for
from .households import (
    clients_matching,
    clients_visible_to,
    households_matching,
    households_visible_to,
    households_with_counts,
    recently_updated_households,
)
from .ledger import lots_for, open_lots, realized_gains, transactions_for
from .proposals import proposal_trades, proposals_visible_to

__all__ = [
    "DriftReport",
    "DriftRow",
    "account_summary",
    "account_visible_to",
    "accounts_out_of_band",
    "accounts_visible_to",
    "allocation_by_asset_class",
    "allocation_by_sector",
    "book_totals",
    "clients_matching",
    "clients_visible_to",
    "drift_for",
    "drift_reports",
    "holdings_for",
    "households_matching",
    "households_visible_to",
    "households_with_counts",
    "lots_for",
    "model_portfolios_visible_to",
    "open_lots",
    "proposal_trades",
    "proposals_visible_to",
    "realized_gains",
    "recently_updated_households",
    "transactions_for",
]
