"""Reads of the audit trail: events a user may see, and the whole chain streamed for verification."""

from collections.abc import Iterator

from django.db.models import Q, QuerySet

from accounts.roles import Capability, has_capability

from .chain import HASHED_FIELDS, ChainReport, check_chain
from .models import AuditEvent

VERIFY_BATCH_SIZE = 2000


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """Superusers see every event; anyone else only their own firm's (never firm-less events).

    Whether the user may read the audit trail at all is the caller's check (model permission in the
    admin, ``Capability.VIEW_AUDIT`` elsewhere).
    """
    if not user.is_authenticated or not user.is_active:
        return AuditEvent.objects.none()
    if user.is_superuser:
        return AuditEvent.objects.all()
    if getattr(user, "firm_id", None) is None:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(firm_id=user.firm_id)


def chain_in_order(*, batch_size: int = VERIFY_BATCH_SIZE) -> Iterator:
    """Every event in sequence order, read in batches so memory stays flat however long the chain.

    Keyset pagination on the unique ``sequence`` index rather than ``QuerySet.iterator()``: each
    batch is a short indexed query, with no server-side cursor held open across the walk.
    """
    rows = AuditEvent.objects.order_by("sequence").values_list(*HASHED_FIELDS, "content_hash", named=True)
    last_sequence = None
    while True:
        page = rows if last_sequence is None else rows.filter(sequence__gt=last_sequence)
        batch = list(page[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        last_sequence = batch[-1].sequence


def verify_stored_chain(*, batch_size: int = VERIFY_BATCH_SIZE) -> ChainReport:
    """Re-hash every stored event and check the links between them."""
    return check_chain(chain_in_order(batch_size=batch_size))


# --- Slices shown on pages (dashboards, household and client pages) ---------------------------

SIGN_IN_FAILURE_ACTIONS = ("auth.sign_in_failed", "auth.locked_out")


def recent_events_for_actor(user, limit: int) -> QuerySet[AuditEvent]:
    """What ``user`` did most recently: their own activity, which every role may see."""
    if not user.is_authenticated:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(actor_id=user.pk).order_by("-sequence")[:limit]


def recent_firm_events(user, limit: int) -> QuerySet[AuditEvent]:
    """The latest events of the user's firm, for roles that read the audit trail."""
    if not has_capability(user, Capability.VIEW_AUDIT):
        return AuditEvent.objects.none()
    return audit_events_visible_to(user).order_by("-sequence")[:limit]


def recent_sign_in_failures(user, limit: int) -> QuerySet[AuditEvent]:
    """Failed and locked-out sign-ins in the firm, for roles that manage its users."""
    if not has_capability(user, Capability.MANAGE_USERS):
        return AuditEvent.objects.none()
    return audit_events_visible_to(user).filter(action__in=SIGN_IN_FAILURE_ACTIONS).order_by("-sequence")[:limit]


def recent_events_for_household(user, household, limit: int) -> QuerySet[AuditEvent]:
    """Events about a household and its clients; ``household`` must come from a scoped selector.

    Clients do not read the audit trail, not even their own household's.
    """
    if not has_capability(user, Capability.VIEW_BOOK):
        return AuditEvent.objects.none()
    client_ids = [str(pk) for pk in household.clients.values_list("pk", flat=True)]
    about = Q(object_type="portfolios.household", object_id=str(household.pk)) | Q(
        object_type="portfolios.client", object_id__in=client_ids
    )
    return AuditEvent.objects.filter(about, firm_id=household.firm_id).order_by("-sequence")[:limit]


def recent_events_for_client(user, client, limit: int) -> QuerySet[AuditEvent]:
    """Events about one client; ``client`` must come from a scoped selector."""
    if not has_capability(user, Capability.VIEW_BOOK):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        object_type="portfolios.client", object_id=str(client.pk), firm_id=client.household.firm_id
    ).order_by("-sequence")[:limit]
