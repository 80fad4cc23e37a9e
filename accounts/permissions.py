from django.contrib.auth.models import Group, Permission

from .services import OPERATORS_GROUP

# The apps operators administer in the Django admin.
OPERATOR_APPS = (
    "accounts",
    "portfolios",
    "marketdata",
    "trading",
    "strategies",
    "reporting",
    "compliance",
    "django_celery_beat",
    "axes",
    "otp_totp",
    "otp_static",
    "token_blacklist",
)


def sync_operator_permissions(*, using: str = "default") -> None:
    group, _ = Group.objects.using(using).get_or_create(name=OPERATORS_GROUP)
    permissions = Permission.objects.using(using).filter(content_type__app_label__in=OPERATOR_APPS)
    group.permissions.set(permissions)
