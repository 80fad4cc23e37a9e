from django.urls import path

from . import views_performance, views_tax

app_name = "reporting"

urlpatterns = [
    path("accounts/<int:pk>/performance/", views_performance.account_performance_page, name="account-performance"),
    path(
        "accounts/<int:pk>/performance/analysis/",
        views_performance.account_performance_analysis,
        name="account-performance-analysis",
    ),
    path(
        "households/<int:pk>/performance/analysis/",
        views_performance.household_performance_analysis,
        name="household-performance-analysis",
    ),
    path(
        "households/<int:pk>/performance/",
        views_performance.household_performance_page,
        name="household-performance",
    ),
    path("accounts/<int:pk>/realized-gains/", views_tax.account_realized_gains, name="account-realized-gains"),
    path(
        "accounts/<int:pk>/realized-gains.csv",
        views_tax.account_realized_gains_csv,
        name="account-realized-gains-csv",
    ),
]
