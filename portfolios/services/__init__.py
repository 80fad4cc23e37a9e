"""Writes of the portfolios domain: validated, audited, one transaction each."""

from .accounts import ACCOUNT_FIELDS, create_account, record_risk_questionnaire, update_account
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
from .valuation import refresh_account_values

__all__ = [
    "ACCOUNT_FIELDS",
    "CLIENT_FIELDS",
    "HOUSEHOLD_FIELDS",
    "assign_model",
    "create_account",
    "create_client",
    "create_household",
    "create_model_portfolio",
    "create_proposal",
    "delete_model_portfolio",
    "link_client_user",
    "record_risk_questionnaire",
    "record_transaction",
    "record_transactions",
    "refresh_account_values",
    "review_proposal",
    "update_account",
    "update_client",
    "update_household",
    "update_model_portfolio",
]
