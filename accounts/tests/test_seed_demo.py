"""seed_demo: a complete, realistic demo firm, written through the services, safe to run again."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.core.validators import validate_email
from django.test import override_settings

from accounts.choices import Role
from accounts.demo import DEFAULT_DEMO_PASSWORD, DEMO_FIRM
from accounts.models import Firm, Team, User
from compliance.models import AuditEvent
from portfolios.models import Client, Household


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Firm, User, Team, Household, Client, AuditEvent)}


@pytest.mark.django_db
def test_seed_creates_the_demo_firm():
    """One firm with an operator, two advisors in a non-sharing team, compliance, households and two client logins."""
    _seed()

    firm = Firm.objects.get(name=DEMO_FIRM)
    roles = sorted(User.objects.filter(firm=firm).values_list("username", "role"))
    assert roles == [
        ("demo-advisor-1", Role.ADVISOR),
        ("demo-advisor-2", Role.ADVISOR),
        ("demo-client-1", Role.CLIENT),
        ("demo-client-2", Role.CLIENT),
        ("demo-compliance", Role.COMPLIANCE),
        ("demo-operator", Role.OPERATOR),
    ]
    team = Team.objects.get(firm=firm)
    assert (team.name, team.shares_book, team.members.count()) == ("Growth team", False, 2)
    for advisor in User.objects.filter(firm=firm, role=Role.ADVISOR):
        households = Household.objects.filter(advisor=advisor)
        assert households.count() >= 2
        assert all(1 <= household.clients.count() <= 3 for household in households)
        assert all(household.notes.startswith("Demo data") for household in households)
    linked = Client.objects.filter(user__isnull=False).select_related("user")
    assert sorted(client.user.username for client in linked) == ["demo-client-1", "demo-client-2"]
    for client in Client.objects.all():
        validate_email(client.email)


@pytest.mark.django_db
def test_seed_is_idempotent_and_prints_the_same():
    """A second run creates nothing (not even an audit event) and prints the same table."""
    first = _seed()
    counts = _counts()

    second = _seed()

    assert _counts() == counts
    assert second == first


@pytest.mark.django_db
def test_seed_writes_through_the_services_as_the_system():
    """Every demo object has its creation event, with no actor: the system, not a person, made it."""
    _seed()

    created = AuditEvent.objects.filter(action__endswith=".created")
    assert created.filter(action="household.created").count() == Household.objects.count()
    assert created.filter(action="client.created").count() == Client.objects.count()
    assert AuditEvent.objects.filter(action="client.login_linked").count() == 2
    assert not AuditEvent.objects.exclude(actor_id=None).exists()


@pytest.mark.django_db
def test_every_demo_user_signs_in_with_the_printed_password(client):
    """The printed password works for each user and the table names the sign-in page and the TOTP step."""
    output = _seed()

    for user in User.objects.filter(firm__name=DEMO_FIRM):
        assert user.check_password(DEFAULT_DEMO_PASSWORD), user.username
        assert f"{user.username}" in output
    assert "http://127.0.0.1:8000/accounts/" in output and "TOTP" in output


@pytest.mark.django_db
def test_password_comes_from_the_environment(monkeypatch):
    """DEMO_PASSWORD replaces the default for every demo user, and the table prints it."""
    monkeypatch.setenv("DEMO_PASSWORD", "Another-Demo-Passphrase-7")

    output = _seed()

    assert User.objects.get(username="demo-operator").check_password("Another-Demo-Passphrase-7")
    assert "Another-Demo-Passphrase-7" in output


@pytest.mark.django_db
def test_weak_password_stops_before_any_write(monkeypatch):
    """A DEMO_PASSWORD the validators refuse fails the command and leaves the database untouched."""
    monkeypatch.setenv("DEMO_PASSWORD", "short")

    with pytest.raises(CommandError, match="too weak"):
        _seed()

    assert not Firm.objects.filter(name=DEMO_FIRM).exists()


@override_settings(SETTINGS_MODULE="valuepartner.settings.production")
def test_seed_refuses_production_settings():
    """Known passwords never reach a production database."""
    with pytest.raises(CommandError, match="production"):
        _seed()
