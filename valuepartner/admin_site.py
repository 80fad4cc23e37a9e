"""The operators' admin site: a verified second factor to enter, and every page limited to one firm.

Operators run their own firm here; only superusers (the platform's staff) see across firms.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django_otp.admin import OTPAdminSite

from accounts.roles import Capability, has_capability
from valuepartner.errors import DomainError


class ValuePartnerAdminSite(OTPAdminSite):
    """Django's admin that also demands a device-verified session (``request.user.is_verified()``)."""

    site_header = "Value Partner administration"
    site_title = "Value Partner admin"
    index_title = "Firm administration"

    def __init__(self, name="admin"):
        super().__init__(name)


class FirmScopedAdmin(admin.ModelAdmin):
    """Limits an operator to rows, choices and new objects of their own firm.

    ``firm_lookup`` is the path from the model to its firm's id. Writes need ``write_capability``
    (superusers always may, unless ``superuser_writes`` is off because the model's services act
    on behalf of a firm member). Nothing is deleted here: records leave through deactivation or
    their services, so the audit trail keeps every change.
    """

    firm_lookup = "firm_id"
    write_capability: Capability | None = None
    superuser_writes = True

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if request.user.firm_id is None:
            return queryset.none()
        return queryset.filter(**{self.firm_lookup: request.user.firm_id})

    def _scoped_choices(self, db_field, request):
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related_admin, FirmScopedAdmin):
            return related_admin.get_queryset(request)
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self._scoped_choices(db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self._scoped_choices(db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_write_access(self, request) -> bool:
        if request.user.is_superuser and self.superuser_writes:
            return True
        return self.write_capability is not None and has_capability(request.user, self.write_capability)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and self.has_write_access(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self.has_write_access(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def firm_for(self, request, form):
        """The firm a new object belongs to: the operator's own, or the superuser's choice."""
        if request.user.is_superuser and form.cleaned_data.get("firm") is not None:
            return form.cleaned_data["firm"]
        return request.user.firm

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser and hasattr(obj, "firm_id"):
            obj.firm_id = request.user.firm_id
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A service refusing the change (a rule the form cannot see) becomes a message, not a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class SuperuserOnlyAdmin:
    """Mixed into a third-party ModelAdmin whose rows span firms (lockout logs, platform schedules)."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class FirmScopedReadOnlyAdmin(FirmScopedAdmin):
    """Mixed into a third-party ModelAdmin of per-user records (devices, tokens): an operator reads
    their firm's rows; changes go through our services (e.g. the user admin's two-factor reset)."""

    def has_write_access(self, request) -> bool:
        return request.user.is_superuser


def wrap_registered(site, models, mixin, **attributes) -> None:
    """Re-register models already registered by a third-party app, with ``mixin`` in front of their admin."""
    for model in models:
        base = type(site._registry[model])
        site.unregister(model)
        site.register(model, type(base.__name__, (mixin, base), attributes))


def adopt(instance, saved) -> None:
    """Make the admin's unsaved ``instance`` the object a service saved, so the admin carries on with it."""
    instance.__dict__.update(saved.__dict__)
