"""Client report pages, included from valuepartner.urls under /reports/ (namespace "reports")."""

from django.urls import path

from .reports import views

app_name = "reports"

urlpatterns = [
    path("accounts/<int:pk>/", views.account_reports, name="account-reports"),
    path("accounts/<int:pk>/schedule/", views.account_schedule, name="account-schedule"),
    path("households/<int:pk>/", views.household_reports, name="household-reports"),
    path("households/<int:pk>/schedule/", views.household_schedule, name="household-schedule"),
    path("<int:pk>/download/", views.report_download, name="report-download"),
]
