"""Fixtures shared by every app's tests: one firm with a user of each role, and a second firm."""

import pytest

from accounts.tests.factories import (
    AdvisorFactory,
    ClientUserFactory,
    ComplianceFactory,
    FirmFactory,
    OperatorFactory,
)


@pytest.fixture
def firm(db):
    return FirmFactory()


@pytest.fixture
def other_firm(db):
    return FirmFactory()


@pytest.fixture
def advisor(firm):
    return AdvisorFactory(firm=firm)


@pytest.fixture
def other_advisor(firm):
    return AdvisorFactory(firm=firm)


@pytest.fixture
def operator(firm):
    return OperatorFactory(firm=firm)


@pytest.fixture
def compliance_officer(firm):
    return ComplianceFactory(firm=firm)


@pytest.fixture
def client_user(firm):
    return ClientUserFactory(firm=firm)
