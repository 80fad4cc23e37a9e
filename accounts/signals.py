"""Sign-in, sign-out and failed sign-in go to the audit trail the moment Django reports them."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
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


def _group_labels(ids) -> list[str]:
    return sorted(Group.objects.filter(pk__in=ids).values_list("name", flat=True))


def _permission_labels(ids) -> list[str]:
    rows = Permission.objects.filter(pk__in=ids).values_list("content_type__app_label", "codename")
    return sorted(f"{app_label}.{codename}" for app_label, codename in rows)


def _audit_m2m(action_name: str, related_column: str, key: str, labels):
    """Audit a user's groups or permissions changing, from either side of the relation.

    ``clear()`` reports no ids in ``post_clear``, so they are read in ``pre_clear`` and kept on the
    instance until then. ``add()`` of an already-present item reports no ids and is not an event.
    """
    stash = f"_audit_cleared_{related_column}"

    def handler(sender, instance, action, pk_set, reverse, **kwargs):
        own_column, other_column = (related_column, "user_id") if reverse else ("user_id", related_column)
        if action == "pre_clear":
            ids = sender.objects.filter(**{own_column: instance.pk}).values_list(other_column, flat=True)
            setattr(instance, stash, set(ids))
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if action == "post_clear":
            pk_set = instance.__dict__.pop(stash, set())
        if not pk_set:
            return
        actor_id = request_context.current().user_id
        actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
        change = {"post_add": "added", "post_remove": "removed", "post_clear": "removed"}[action]
        if reverse:
            changed = [(user, [instance.pk]) for user in get_user_model().objects.filter(pk__in=pk_set)]
        else:
            changed = [(instance, sorted(pk_set))]
        for user, related_ids in changed:
            record_event(
                action=action_name,
                actor=actor,
                target=user,
                metadata={"change": change, f"{key}_ids": related_ids, f"{key}s": labels(related_ids)},
            )

    return handler


_audit_groups = _audit_m2m("user.groups_changed", "group_id", "group", _group_labels)
_audit_permissions = _audit_m2m("user.permissions_changed", "permission_id", "permission", _permission_labels)
m2m_changed.connect(_audit_groups, sender=get_user_model().groups.through, weak=False)
m2m_changed.connect(_audit_permissions, sender=get_user_model().user_permissions.through, weak=False)


@receiver(post_migrate)
def grant_operator_permissions(sender, app_config=None, using="default", **kwargs):
    """Keep the Operators group holding every permission of the platform's own apps.

    Runs after each of those apps, not once for ``accounts``: an app's permissions are created in
    its own post_migrate, so apps listed after ``accounts`` would otherwise be left out.
    """
    from .permissions import OPERATOR_APPS, sync_operator_permissions

    if app_config is None or app_config.label not in OPERATOR_APPS:
        return

    sync_operator_permissions(using=using)
