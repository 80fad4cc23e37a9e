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


@pytest.fixture
def browser(request):
    """A headless Chromium; on failure its last screen is kept as a test artifact."""
    from valuepartner.testing.browser import screenshot, start_chromium

    driver = start_chromium()
    yield driver
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        screenshot(driver, f"FAILED-{request.node.name}")
    driver.quit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(autouse=True)
def fresh_brokers():
    """Brokers are built once per process and remember database ids (the simulator its instruments);
    tests that flush the database between them must not inherit another test's."""
    from trading.brokers.registry import clear_cache

    clear_cache()
    yield
    clear_cache()
