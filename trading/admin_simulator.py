"""Admin for the paper simulator's book (imported by ``trading.admin``). Read-only rows; the actions
call the simulator's own functions (meet the market now, deliver pending trade updates now)."""

from django.contrib import admin, messages

from .brokers import simulator_book as book
from .models import SimulatedEvent, SimulatedOrder


class SimulatedEventInline(admin.TabularInline):
    model = SimulatedEvent
    extra = 0
    can_delete = False
    fields = ("event", "at", "qty", "price", "reference_price", "slippage_bps", "reason", "delivered_at", "attempts")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SimulatedOrder)
class SimulatedOrderAdmin(admin.ModelAdmin):
    list_display = ("client_order_id", "symbol", "side", "order_type", "time_in_force", "qty", "status", "session")
    list_filter = ("status", "order_type", "time_in_force", "side")
    search_fields = ("client_order_id", "symbol", "=broker_account_id")
    date_hierarchy = "submitted_at"
    inlines = [SimulatedEventInline]
    actions = ["meet_market_now"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Meet the market now (new bars, due expiry) and deliver trade updates")
    def meet_market_now(self, request, queryset):
        events = 0
        for order_id in queryset.values_list("pk", flat=True):
            events += book.process(order_id)
            book.deliver(order_id)
        self.message_user(request, f"{events} new event(s).", messages.SUCCESS)


@admin.register(SimulatedEvent)
class SimulatedEventAdmin(admin.ModelAdmin):
    list_display = ("order", "event", "at", "qty", "price", "delivered_at", "attempts", "last_error")
    list_filter = ("event", ("delivered_at", admin.EmptyFieldListFilter))
    search_fields = ("order__client_order_id", "execution_id")
    list_select_related = ("order",)
    actions = ["deliver_now"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Deliver pending trade updates of these orders now (in order, retries reset)")
    def deliver_now(self, request, queryset):
        order_ids = set(queryset.values_list("order_id", flat=True))
        SimulatedEvent.objects.filter(order_id__in=order_ids, delivered_at__isnull=True).update(attempts=0)
        delivered = sum(book.deliver(order_id) for order_id in order_ids)
        self.message_user(request, f"{delivered} trade update(s) delivered.", messages.SUCCESS)
