"""Writes of the portfolios domain: validated, audited, one transaction each."""

from .households import (
    CLIENT_FIELDS,
    HOUSEHOLD_FIELDS,
    create_client,
    create_household,
    link_client_user,
    update_client,
    update_household,
)
from .ledger import record_transaction, record_transactions
from .model_portfolios import (
    assign_model,
    create_model_portfolio,
    delete_model_portfolio,
    update_model_portfolio,
)
from .proposals import create_proposal, review_proposal

__all__ = [
    "CLIENT_FIELDS",
    "HOUSEHOLD_FIELDS",
    "assign_model",
    "create_client",
    "create_household",
    "create_model_portfolio",
    "create_proposal",
    "delete_model_portfolio",
    "link_client_user",
    "record_transaction",
    "record_transactions",
    "review_proposal",
    "update_client",
    "update_household",
    "update_model_portfolio",
]
