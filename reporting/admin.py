"""Admin of stored client reports (read-only: files are produced by the service) and report schedules.

Schedule actions call the services, so the celery-beat entry follows and each change is audited.
"""

from django.contrib import admin, messages

from valuepartner.errors import DomainError

from .reports.models import Report, ReportSchedule
from .reports.schedule_services import save_schedule, stop_schedule
from .reports.services import subject_for


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "subject",
        "period_label",
        "base_date",
        "end_date",
        "pages",
        "size",
        "created_by",
        "created_at",
    )
    list_filter = ("subject", "net", "firm")
    search_fields = ("title", "sha256", "account__name", "household__name")
    date_hierarchy = "created_at"
    list_select_related = ("created_by",)
    readonly_fields = [field.name for field in Report._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "frequency", "net", "is_active", "periodic_task", "created_by", "updated_at")
    list_filter = ("frequency", "is_active", "firm")
    readonly_fields = [field.name for field in ReportSchedule._meta.fields]
    actions = ("pause", "resume")

    def has_add_permission(self, request):
        return False  # schedules are set up from the client's reports page

    @admin.action(description="Pause the selected schedules")
    def pause(self, request, queryset):
        for schedule in queryset:
            try:
                stop_schedule(actor=request.user, schedule=schedule)
            except DomainError as error:
                messages.error(request, f"{schedule}: {error.message}")

    @admin.action(description="Resume the selected schedules")
    def resume(self, request, queryset):
        for schedule in queryset:
            try:
                subject = subject_for(schedule.subject, schedule.subject_id, user=request.user)
                save_schedule(actor=request.user, subject=subject, frequency=schedule.frequency, net=schedule.net)
            except DomainError as error:  # outside the admin user's book, or a role that cannot schedule
                messages.error(request, f"{schedule}: {error.message}")
