"""Writes to households and clients: validated, audited, one transaction each."""

from django.db import transaction

from accounts.choices import Role
from accounts.roles import Capability, has_capability
from accounts.selectors import book_advisor_ids
from compliance.services import record_event

from ..errors import PortfoliosError
from ..models import Client, Household

HOUSEHOLD_FIELDS = ("name", "notes", "advisor")
CLIENT_FIELDS = ("first_name", "last_name", "email", "phone", "date_of_birth", "household")


def _check_advisor(*, actor, advisor, firm_id: int) -> None:
    if advisor.role != Role.ADVISOR or advisor.firm_id != firm_id or not advisor.is_active:
        raise PortfoliosError(
            "invalid_advisor",
            "Choose an active advisor of your firm.",
            fields={"advisor": ["Choose an active advisor of your firm."]},
        )
    if actor is not None and actor.role == Role.ADVISOR and advisor.pk not in book_advisor_ids(actor):
        raise PortfoliosError(
            "invalid_advisor",
            "You can only assign your own book.",
            fields={"advisor": ["You can only assign households to your own book."]},
        )


def _require_manage(actor) -> None:
    # ``actor=None`` is the system itself (data migrations, seeding); it must be passed explicitly.
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise PortfoliosError("forbidden", "Your role cannot change households or clients.")


def _diff(instance, values: dict) -> dict:
    changes = {}
    for name, new in values.items():
        old = getattr(instance, name)
        if old != new:
            changes[name] = (getattr(old, "pk", old), getattr(new, "pk", new))
    return changes


def create_household(*, actor, name: str, advisor=None, notes: str = "") -> Household:
    _require_manage(actor)
    advisor = advisor or actor
    if advisor is None:
        raise PortfoliosError("invalid_advisor", "Choose an advisor.", fields={"advisor": ["Choose an advisor."]})
    firm_id = actor.firm_id if actor is not None else advisor.firm_id
    _check_advisor(actor=actor, advisor=advisor, firm_id=firm_id)
    with transaction.atomic():
        household = Household.objects.create(firm_id=firm_id, advisor=advisor, name=name, notes=notes)
        record_event(
            action="household.created",
            actor=actor,
            target=household,
            changes={"name": (None, name), "advisor": (None, advisor.pk)},
        )
    return household


def update_household(*, actor, household: Household, **values) -> Household:
    _require_manage(actor)
    unknown = set(values) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise PortfoliosError("invalid_field", f"Unknown fields: {', '.join(sorted(unknown))}.")
    if "advisor" in values:
        firm_id = actor.firm_id if actor is not None else household.firm_id
        _check_advisor(actor=actor, advisor=values["advisor"], firm_id=firm_id)
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        changes = _diff(household, values)
        if not changes:
            return household
        for name, value in values.items():
            setattr(household, name, value)
        household.save(update_fields=[*values, "updated_at"])
        record_event(action="household.updated", actor=actor, target=household, changes=changes)
    return household


def _check_household(*, actor, household: Household) -> None:
    from ..selectors import households_visible_to

    if actor is None:
        return
    if not households_visible_to(actor).filter(pk=household.pk).exists():
        raise PortfoliosError(
            "invalid_household",
            "Choose one of your households.",
            fields={"household": ["Choose one of your households."]},
        )


def create_client(*, actor, household: Household, first_name: str, last_name: str, **values) -> Client:
    _require_manage(actor)
    _check_household(actor=actor, household=household)
    unknown = set(values) - set(CLIENT_FIELDS)
    if unknown:
        raise PortfoliosError("invalid_field", f"Unknown fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        client = Client.objects.create(household=household, first_name=first_name, last_name=last_name, **values)
        record_event(
            action="client.created",
            actor=actor,
            target=client,
            firm_id=household.firm_id,
            changes={"name": (None, str(client)), "household": (None, household.pk)},
        )
    return client


def update_client(*, actor, client: Client, **values) -> Client:
    _require_manage(actor)
    unknown = set(values) - set(CLIENT_FIELDS)
    if unknown:
        raise PortfoliosError("invalid_field", f"Unknown fields: {', '.join(sorted(unknown))}.")
    if "household" in values:
        _check_household(actor=actor, household=values["household"])
    with transaction.atomic():
        client = Client.objects.select_for_update().select_related("household").get(pk=client.pk)
        changes = _diff(client, values)
        if not changes:
            return client
        for name, value in values.items():
            setattr(client, name, value)
        client.save(update_fields=[*values, "updated_at"])
        record_event(
            action="client.updated", actor=actor, target=client, changes=changes, firm_id=client.household.firm_id
        )
    return client


def link_client_user(*, actor, client: Client, user) -> Client:
    """Give a client their own sign-in (a user with the client role in the same firm)."""
    _require_manage(actor)
    if user.role != Role.CLIENT or user.firm_id != client.household.firm_id:
        raise PortfoliosError("invalid_user", "Only a client user of the same firm can be linked.")
    with transaction.atomic():
        client = Client.objects.select_for_update().select_related("household").get(pk=client.pk)
        before = client.user_id
        client.user = user
        client.save(update_fields=["user", "updated_at"])
        record_event(
            action="client.login_linked",
            actor=actor,
            target=client,
            changes={"user": (before, user.pk)},
            firm_id=client.household.firm_id,
        )
    return client
