from django.contrib import admin

from .models import BacktestRun, Fundamentals, FundamentalsImport, RegimeSpan, Strategy, StrategyAssignment, Sweep


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ("name", "firm", "owner", "top_n", "weighting", "rebalance_every", "is_active")
    list_filter = ("firm", "weighting", "is_active")
    search_fields = ("name",)
    readonly_fields = ("model_portfolio", "created_by", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False  # created through the strategy page, which validates with the engine and audits


@admin.register(BacktestRun)
class BacktestRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "strategy", "kind", "status", "data_start", "data_end", "final_equity", "sharpe")
    list_filter = ("kind", "status")
    readonly_fields = [field.name for field in BacktestRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Sweep)
class SweepAdmin(admin.ModelAdmin):
    list_display = ("pk", "strategy", "status", "rank_by", "best_run", "created_at")
    readonly_fields = [field.name for field in Sweep._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Fundamentals)
class FundamentalsAdmin(admin.ModelAdmin):
    list_display = ("instrument", "as_of", "book_to_market", "earnings_yield", "return_on_equity", "market_cap")
    search_fields = ("instrument__symbol",)
    list_select_related = ("instrument",)


admin.site.register(FundamentalsImport)
admin.site.register(StrategyAssignment)
admin.site.register(RegimeSpan)
