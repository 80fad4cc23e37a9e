"""Market data in the operators' admin.

Instruments, bars and corporate actions are shared by every firm, so operators read them and only
superusers (the platform's staff) change them; writes go through marketdata.services. Provider
health is read-only; an operator may reset a breaker (e.g. after fixing the provider's credentials).
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from accounts.choices import Role
from valuepartner.admin_site import adopt
from valuepartner.errors import DomainError

from . import services
from .models import CorporateAction, DailyBar, Instrument, ProviderStatus


class PlatformDataAdmin(admin.ModelAdmin):
    """Readable by operators of any firm; changeable by superusers only; nothing is deleted here."""

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Instrument)
class InstrumentAdmin(PlatformDataAdmin):
    list_display = ("symbol", "name", "asset_class", "sector", "industry", "exchange", "currency", "is_active")
    list_filter = ("asset_class", "is_active", "sector", "currency")
    search_fields = ("symbol", "name", "industry")
    readonly_fields = ("created_at", "updated_at")
    actions = ("activate", "deactivate")

    def get_actions(self, request):
        # The actions change every firm's reference data: superusers only.
        return super().get_actions(request) if request.user.is_superuser else {}

    @admin.action(description="Open selected instruments to trading")
    def activate(self, request, queryset):
        changed = services.set_instruments_active(instruments=queryset, is_active=True, actor=request.user)
        self.message_user(request, f"{changed} instrument(s) opened to trading.", messages.SUCCESS)

    @admin.action(description="Close selected instruments to trading (history stays)")
    def deactivate(self, request, queryset):
        changed = services.set_instruments_active(instruments=queryset, is_active=False, actor=request.user)
        self.message_user(request, f"{changed} instrument(s) closed to trading.", messages.SUCCESS)


@admin.register(DailyBar)
class DailyBarAdmin(PlatformDataAdmin):
    list_display = ("instrument", "date", "open", "high", "low", "close", "adj_close", "volume", "source")
    list_filter = ("source", "instrument__asset_class", ("date", admin.DateFieldListFilter))
    search_fields = ("instrument__symbol",)
    list_select_related = ("instrument",)
    date_hierarchy = "date"
    # A count over 300,000 rows on every page load is not worth it.
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _action_fields(data: dict) -> dict:
    names = ("instrument", "kind", "ex_date", "pay_date", "ratio_numerator", "ratio_denominator", "cash_amount")
    return {name: data.get(name) for name in names}


@admin.register(CorporateAction)
class CorporateActionAdmin(PlatformDataAdmin):
    list_display = ("instrument", "kind", "ex_date", "pay_date", "ratio_numerator", "ratio_denominator", "cash_amount")
    list_filter = ("kind", ("ex_date", admin.DateFieldListFilter))
    search_fields = ("instrument__symbol",)
    list_select_related = ("instrument",)
    autocomplete_fields = ("instrument",)
    fields = ("instrument", "kind", "ex_date", "pay_date", "ratio_numerator", "ratio_denominator", "cash_amount")

    def has_change_permission(self, request, obj=None) -> bool:
        # A recorded action is corrected by recording history anew, not by editing it in place.
        return obj is None and request.user.is_superuser

    def save_model(self, request, obj, form, change):
        adopt(obj, services.record_corporate_action(actor=request.user, **_action_fields(form.cleaned_data)))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A rule broken between the form's check and the save (a concurrent duplicate) is a message.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class ServiceCheckedForm(form):
            # The service's rules (ex-date a session, ratio and amount positive) become field errors.
            def _post_clean(inner):
                super()._post_clean()
                if inner.errors:
                    return
                try:
                    services.validate_corporate_action(**_action_fields(inner.cleaned_data))
                except DomainError as error:
                    for field, field_errors in (error.fields or {"__all__": [error.message]}).items():
                        for message in field_errors:
                            inner.add_error(field if field in inner.fields else None, message)

        return ServiceCheckedForm


@admin.register(ProviderStatus)
class ProviderStatusAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "state",
        "consecutive_failures",
        "opened_at",
        "last_success_at",
        "last_failure_at",
        "last_error_class",
    )
    list_filter = ("state",)
    readonly_fields = (*list_display, "updated_at")
    actions = ("reset_breaker",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_reset_permission(self, request) -> bool:
        return request.user.is_superuser or request.user.role == Role.OPERATOR

    @admin.action(description="Reset breaker (close it and clear the failure count)", permissions=["reset"])
    def reset_breaker(self, request, queryset):
        names = list(queryset.values_list("name", flat=True))
        for name in names:
            services.reset_provider_breaker(name=name, actor=request.user)
        self.message_user(request, f"Breaker reset: {', '.join(names)}.", messages.SUCCESS)
