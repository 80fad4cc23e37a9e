"""Reporting endpoints, included by valuepartner.api.urls under the "api" namespace."""

from django.urls import path

from . import attribution, views

urlpatterns = [
    path("accounts/<int:account_pk>/performance/", views.AccountPerformanceView.as_view(), name="account-performance"),
    path(
        "households/<int:household_pk>/performance/",
        views.HouseholdPerformanceView.as_view(),
        name="household-performance",
    ),
    path(
        "accounts/<int:account_pk>/attribution/",
        attribution.AccountAttributionView.as_view(),
        name="account-attribution",
    ),
    path(
        "accounts/<int:account_pk>/factor-exposures/",
        attribution.AccountFactorExposuresView.as_view(),
        name="account-factor-exposures",
    ),
    path(
        "households/<int:household_pk>/factor-exposures/",
        attribution.HouseholdFactorExposuresView.as_view(),
        name="household-factor-exposures",
    ),
]
