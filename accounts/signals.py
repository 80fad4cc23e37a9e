"""Sign-in, sign-out and failed sign-in go to the audit trail the moment Django reports them."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_migrate
from django.dispatch import receiver

from compliance.services import record_event
from valuepartner import request_context


def _channel(request) -> str:
    if request is not None and request.path.startswith("/api/"):
        return "api"
    return "web"


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    record_event(action="auth.signed_in", actor=user, target=user, metadata={"channel": _channel(request)})


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        record_event(action="auth.signed_out", actor=user, target=user, metadata={"channel": _channel(request)})


@receiver(user_login_failed)
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in ``credentials`` with asterisks.
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).only("pk", "firm_id", "username").first()
    record_event(
        action="auth.sign_in_failed",
        target=user,
        actor_label=username,
        metadata={"username": username, "channel": _channel(request)},
    )


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs):
    user = get_user_model().objects.filter(username=username).only("pk", "firm_id", "username").first()
    record_event(
        action="auth.locked_out",
        target=user,
        actor_label=str(username or "")[:150],
        metadata={"username": username, "channel": _channel(request)},
    )


def _audit_m2m(action_name: str, field: str):
    def handler(sender, instance, action, pk_set, reverse, **kwargs):
        if reverse or action not in ("post_add", "post_remove", "post_clear"):
            return
        actor_id = request_context.current().user_id
        actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
        change = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
        record_event(
            action=action_name,
            actor=actor,
            target=instance,
            metadata={"change": change, field: sorted(pk_set or [])},
        )

    return handler


_audit_groups = _audit_m2m("user.groups_changed", "group_ids")
_audit_permissions = _audit_m2m("user.permissions_changed", "permission_ids")
m2m_changed.connect(_audit_groups, sender=get_user_model().groups.through, weak=False)
m2m_changed.connect(_audit_permissions, sender=get_user_model().user_permissions.through, weak=False)


@receiver(post_migrate)
def grant_operator_permissions(sender, app_config=None, using="default", **kwargs):
    """Keep the Operators group holding every permission of the platform's own apps."""
    if app_config is None or app_config.label != "accounts":
        return
    from .permissions import sync_operator_permissions

    sync_operator_permissions(using=using)
