"""Admin for trading: orders are read here and changed only through the services (actions)."""

from django.contrib import admin, messages

from valuepartner.errors import DomainError

from .brokers import breaker
from .models import BrokerCircuit, Fill, KillSwitch, OperatorAlert, Order, OrderTransition, ProposalDecision, RiskLimit
from .selectors import orders_visible_to
from .services import cancel_order, resolve_alert, set_kill_switch
from .services.controls import save_risk_limit


def _firm_scoped(request, queryset, field: str = "firm_id"):
    if request.user.is_superuser:
        return queryset
    return queryset.filter(**{field: request.user.firm_id})


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = OrderTransition
    extra = 0
    fields = ("at", "from_status", "to_status", "cause", "event", "source", "actor")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class FillInline(admin.TabularInline):
    model = Fill
    extra = 0
    fields = ("at", "execution_id", "qty", "price", "transaction", "booking_error")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "account", "instrument", "side", "order_type", "qty", "notional", "status",
                    "broker", "filled_qty", "filled_avg_price")  # fmt: skip
    list_filter = ("status", "broker", "side", "order_type", "time_in_force", "source", "discretionary")
    search_fields = ("client_order_id", "broker_order_id", "instrument__symbol", "account__name")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Order._meta.fields]
    inlines = [TransitionInline, FillInline]
    actions = ["cancel_selected", "retry_dispatch"]
    show_full_result_count = False

    def get_queryset(self, request):
        if request.user.is_superuser:
            return Order.objects.select_related("account", "instrument")
        return orders_visible_to(request.user)

    @admin.action(description="Cancel the selected orders")
    def cancel_selected(self, request, queryset):
        for order in queryset:
            try:
                cancel_order(order=order, actor=request.user, reason="Canceled in the admin")
            except DomainError as error:
                self.message_user(request, f"Order {order.pk}: {error.message}", messages.WARNING)

    @admin.action(description="Send the selected queued orders again")
    def retry_dispatch(self, request, queryset):
        from .tasks import dispatch_order_task

        for order_id in queryset.filter(status="queued").values_list("pk", flat=True):
            dispatch_order_task.delay(order_id)
        self.message_user(request, "Queued orders were handed to the dispatcher.")


@admin.register(Fill)
class FillAdmin(ReadOnlyAdmin):
    list_display = ("execution_id", "order", "qty", "price", "at", "transaction", "booking_error")
    search_fields = ("execution_id", "order__client_order_id")

    def get_queryset(self, request):
        return _firm_scoped(request, super().get_queryset(request), "order__firm_id")


@admin.register(KillSwitch)
class KillSwitchAdmin(admin.ModelAdmin):
    list_display = ("firm", "account", "state", "reason", "changed_by", "changed_at")
    list_filter = ("state",)
    fields = ("account", "state", "reason")
    raw_id_fields = ("account",)

    def get_queryset(self, request):
        return _firm_scoped(request, super().get_queryset(request))

    def save_model(self, request, obj, form, change):
        try:
            saved = set_kill_switch(
                actor=request.user,
                state=obj.state,
                account=obj.account,
                firm_id=request.user.firm_id,
                reason=obj.reason,
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.firm_id = saved.pk, saved.firm_id

    def has_delete_permission(self, request, obj=None):
        return False  # set it to active instead: the history stays in the audit trail


@admin.register(RiskLimit)
class RiskLimitAdmin(admin.ModelAdmin):
    list_display = ("firm", "account", "max_order_notional", "price_band_percent", "max_position_notional",
                    "max_concentration_percent", "updated_by", "updated_at")  # fmt: skip
    fields = ("account", "max_order_notional", "price_band_percent", "max_position_notional",
              "max_concentration_percent")  # fmt: skip
    raw_id_fields = ("account",)

    def get_queryset(self, request):
        return _firm_scoped(request, super().get_queryset(request))

    def save_model(self, request, obj, form, change):
        if not obj.firm_id:
            obj.firm_id = request.user.firm_id
        try:
            save_risk_limit(actor=request.user, limit=obj, changed=list(form.changed_data))
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)


@admin.register(BrokerCircuit)
class BrokerCircuitAdmin(ReadOnlyAdmin):
    list_display = ("broker", "state", "consecutive_failures", "opened_at", "last_success_at", "last_failure_at",
                    "last_error_code")  # fmt: skip
    actions = ["reset_selected"]

    @admin.action(description="Close the breaker (retry queued orders now)")
    def reset_selected(self, request, queryset):
        for circuit in queryset:
            breaker.reset(circuit.broker, actor=request.user)
        self.message_user(request, "Breakers closed; queued orders are being sent.")


@admin.register(OperatorAlert)
class OperatorAlertAdmin(ReadOnlyAdmin):
    list_display = ("last_seen_at", "severity", "kind", "message", "count", "order", "resolved_at", "resolved_by")
    list_filter = ("severity", "kind", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("message", "key")
    actions = ["resolve_selected"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        from django.db.models import Q

        return queryset.filter(Q(firm_id=request.user.firm_id) | Q(firm__isnull=True))

    @admin.action(description="Mark the selected alerts resolved")
    def resolve_selected(self, request, queryset):
        for alert in queryset.filter(resolved_at__isnull=True):
            resolve_alert(alert=alert, actor=request.user)


@admin.register(ProposalDecision)
class ProposalDecisionAdmin(ReadOnlyAdmin):
    list_display = ("proposal", "decision", "reason", "decided_by", "decided_at")
    list_filter = ("decision",)

    def get_queryset(self, request):
        return _firm_scoped(request, super().get_queryset(request), "proposal__account__client__household__firm_id")


from . import admin_simulator  # noqa: E402, F401 - the paper simulator's book, read-only with its actions
