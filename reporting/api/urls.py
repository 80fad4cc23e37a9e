"""Reporting endpoints, included by valuepartner.api.urls under the "api" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("accounts/<int:account_pk>/performance/", views.AccountPerformanceView.as_view(), name="account-performance"),
    path(
        "households/<int:household_pk>/performance/",
        views.HouseholdPerformanceView.as_view(),
        name="household-performance",
    ),
]
