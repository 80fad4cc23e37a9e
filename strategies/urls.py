from django.urls import path

from . import views, views_runs

app_name = "strategies"

urlpatterns = [
    path("", views.strategy_list, name="strategy-list"),
    path("new/", views.strategy_create, name="strategy-create"),
    path("<int:pk>/", views.strategy_detail, name="strategy-detail"),
    path("<int:pk>/edit/", views.strategy_edit, name="strategy-edit"),
    path("<int:pk>/accounts/", views.strategy_accounts, name="strategy-accounts"),
    path("<int:pk>/targets/", views.strategy_targets, name="strategy-targets"),
    path("<int:pk>/backtest/", views_runs.backtest_start, name="strategy-backtest"),
    path("<int:pk>/walk-forward/", views_runs.walk_forward_start, name="strategy-walk-forward"),
    path("<int:pk>/sweep/", views_runs.sweep_start, name="strategy-sweep"),
    path("assignments/<int:pk>/remove/", views.assignment_remove, name="assignment-remove"),
    path("runs/<int:pk>/", views_runs.run_detail, name="run-detail"),
    path("runs/compare/", views_runs.run_compare, name="run-compare"),
    path("sweeps/<int:pk>/", views_runs.sweep_detail, name="sweep-detail"),
    path("fundamentals/", views.fundamentals_import, name="fundamentals-import"),
]
