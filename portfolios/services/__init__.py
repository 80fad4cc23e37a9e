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

__all__ = [
    "CLIENT_FIELDS",
    "HOUSEHOLD_FIELDS",
    "create_client",
    "create_household",
    "link_client_user",
    "update_client",
    "update_household",
]
