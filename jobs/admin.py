from django.contrib import admin

from valuepartner.admin_site import FirmScopedAdmin

from .models import Job


@admin.register(Job)
class JobAdmin(FirmScopedAdmin):
    list_display = ("label", "kind", "owner", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("kind", "status")
    search_fields = ("label", "owner__username")
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
