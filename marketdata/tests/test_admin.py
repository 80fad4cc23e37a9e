"""Market data in the admin: operators read and reset breakers; only superusers change shared data."""

import datetime as dt

import pytest
from django.urls import reverse

from compliance.models import AuditEvent
from marketdata.choices import BreakerState
from marketdata.models import CorporateAction, Instrument, ProviderStatus
from marketdata.tests.factories import DailyBarFactory, InstrumentFactory, ProviderStatusFactory
from valuepartner.testing.otp import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, operator):
    login_verified(client, operator)
    return client


@pytest.fixture
def superuser_client(client, operator):
    operator.is_superuser = True
    operator.save(update_fields=["is_superuser"])
    login_verified(client, operator)
    return client


@pytest.mark.parametrize("model", ["instrument", "dailybar", "corporateaction", "providerstatus"])
def test_operators_see_every_market_data_list(operator_client, model):
    """Each market data changelist renders for a verified operator."""
    DailyBarFactory()

    response = operator_client.get(reverse(f"admin:marketdata_{model}_changelist"))

    assert response.status_code == 200


def test_operators_cannot_change_shared_instruments(operator_client):
    """Instruments are every firm's reference data: an operator's change form is read-only, actions absent."""
    instrument = InstrumentFactory()

    page = operator_client.get(reverse("admin:marketdata_instrument_change", args=[instrument.pk]))
    changelist = operator_client.get(reverse("admin:marketdata_instrument_changelist"))

    assert 'name="_save"' not in page.content.decode()
    assert "deactivate" not in changelist.content.decode()


def test_superuser_deactivates_instruments_through_the_service(superuser_client):
    """The action closes instruments to trading and audits each change."""
    instrument = InstrumentFactory(symbol="OLD")

    superuser_client.post(
        reverse("admin:marketdata_instrument_changelist"),
        {"action": "deactivate", "_selected_action": [instrument.pk]},
    )

    assert Instrument.objects.get(pk=instrument.pk).is_active is False
    assert AuditEvent.objects.filter(action="marketdata.instrument_deactivated").count() == 1


def test_operator_resets_an_open_breaker(operator_client, operator):
    """The reset action closes the breaker, clears the failure count and records who did it."""
    status = ProviderStatusFactory(name="alpaca", state=BreakerState.OPEN, consecutive_failures=5)

    operator_client.post(
        reverse("admin:marketdata_providerstatus_changelist"),
        {"action": "reset_breaker", "_selected_action": [status.pk]},
    )

    status.refresh_from_db()
    assert (status.state, status.consecutive_failures) == (BreakerState.CLOSED, 0)
    assert AuditEvent.objects.get(action="marketdata.provider_breaker_reset").actor_id == operator.pk


def test_corporate_action_form_shows_the_service_rules_as_field_errors(superuser_client):
    """A dividend with a Saturday ex-date is refused on the form; nothing is stored."""
    instrument = InstrumentFactory()

    response = superuser_client.post(
        reverse("admin:marketdata_corporateaction_add"),
        {"instrument": instrument.pk, "kind": "cash_dividend", "ex_date": "2024-06-08", "cash_amount": "0.5"},
    )

    assert response.status_code == 200
    assert "not a NYSE trading session" in response.content.decode()
    assert not CorporateAction.objects.exists()


def test_corporate_action_is_added_through_the_service(superuser_client):
    """A valid dividend is stored and audited."""
    instrument = InstrumentFactory()

    superuser_client.post(
        reverse("admin:marketdata_corporateaction_add"),
        {"instrument": instrument.pk, "kind": "cash_dividend", "ex_date": "2024-06-10", "cash_amount": "0.5"},
    )

    assert CorporateAction.objects.get().ex_date == dt.date(2024, 6, 10)
    assert AuditEvent.objects.filter(action="marketdata.corporate_action_recorded").exists()


def test_provider_statuses_are_read_only(operator_client):
    """No add or change for provider health: only the breaker reset writes to it."""
    status = ProviderStatusFactory(name="bundled")

    add = operator_client.get(reverse("admin:marketdata_providerstatus_add"))
    change = operator_client.get(reverse("admin:marketdata_providerstatus_change", args=[status.pk]))

    assert add.status_code == 403
    assert 'name="_save"' not in change.content.decode()
    assert ProviderStatus.objects.count() == 1
