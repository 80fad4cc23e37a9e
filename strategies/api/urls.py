from django.urls import path

from . import views

urlpatterns = [
    path("strategies/", views.StrategyListView.as_view(), name="strategy-list"),
    path("strategies/<int:pk>/", views.StrategyDetailView.as_view(), name="strategy-detail"),
    path("strategies/<int:strategy_pk>/runs/", views.StrategyRunsView.as_view(), name="strategy-runs"),
    path("strategy-runs/<int:pk>/", views.RunDetailView.as_view(), name="strategy-run-detail"),
]
