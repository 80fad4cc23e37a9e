from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .models import AuditEvent, RestrictedInstrument
from .selectors import audit_events_visible_to, verify_stored_chain


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, read-only for everyone, with a button that re-verifies the whole chain."""

    list_display = (
        "sequence",
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "ip_address",
        "request_id",
    )
    list_filter = ("action", "object_type")
    date_hierarchy = "occurred_at"
    search_fields = ("actor_label", "object_repr", "object_id", "request_id")
    ordering = ("-sequence",)
    # Counting a long trail on every page view is the slowest query of the changelist.
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def get_queryset(self, request):
        return audit_events_visible_to(request.user).order_by("-sequence")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        verify = self.admin_site.admin_view(require_POST(self.verify_chain_view))
        return [path("verify/", verify, name="compliance_auditevent_verify"), *super().get_urls()]

    def verify_chain_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = verify_stored_chain()
        if report.intact:
            self.message_user(request, f"Audit chain intact: {report.checked} events", messages.SUCCESS)
        else:
            self.message_user(request, f"Audit chain broken: {report.first_break}", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:compliance_auditevent_changelist"))


@admin.register(RestrictedInstrument)
class RestrictedInstrumentAdmin(admin.ModelAdmin):
    """The firm's restricted list, kept by compliance staff; every change is audited."""

    list_display = ("instrument", "restriction", "reason", "since", "until", "added_by", "updated_at")
    list_filter = ("restriction",)
    search_fields = ("instrument__symbol", "reason")
    fields = ("instrument", "restriction", "reason", "since", "until")
    autocomplete_fields = ()
    raw_id_fields = ("instrument",)

    def _is_compliance(self, request) -> bool:
        return request.user.is_superuser or getattr(request.user, "role", None) == "compliance"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("instrument", "added_by")
        return queryset if request.user.is_superuser else queryset.filter(firm_id=request.user.firm_id)

    def has_view_permission(self, request, obj=None):
        return self._is_compliance(request) or getattr(request.user, "role", None) == "operator"

    def has_add_permission(self, request):
        return self._is_compliance(request)

    def has_change_permission(self, request, obj=None):
        return self._is_compliance(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_compliance(request)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def save_model(self, request, obj, form, change):
        from .services import record_event

        if not obj.firm_id:
            obj.firm_id = request.user.firm_id
            obj.added_by = request.user
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_event(
                action="compliance.restricted_list_changed" if change else "compliance.restricted_list_added",
                actor=request.user,
                target=obj,
                firm_id=obj.firm_id,
                metadata={
                    "symbol": obj.instrument.symbol,
                    "restriction": obj.restriction,
                    "reason": obj.reason,
                    "changed": list(form.changed_data),
                },
            )

    def delete_model(self, request, obj):
        from .services import record_event

        with transaction.atomic():
            record_event(
                action="compliance.restricted_list_removed",
                actor=request.user,
                target=obj,
                firm_id=obj.firm_id,
                metadata={"symbol": obj.instrument.symbol, "reason": obj.reason},
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
