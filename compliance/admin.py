from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .models import AuditEvent
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
