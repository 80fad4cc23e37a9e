from django.urls import path

from . import views

# Included by valuepartner.api.urls under the "api" namespace.
urlpatterns = [
    path("instruments/", views.InstrumentListView.as_view(), name="instrument-list"),
    path("instruments/<str:symbol>/", views.InstrumentDetailView.as_view(), name="instrument-detail"),
    path("instruments/<str:symbol>/prices/", views.InstrumentPricesView.as_view(), name="instrument-prices"),
]
