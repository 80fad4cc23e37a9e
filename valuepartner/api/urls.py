"""The JSON API: version 1 for the mobile client, its OpenAPI schema and the self-hosted docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .handlers import unknown_endpoint

app_name = "api"

urlpatterns = [
    path("v1/", include("accounts.api.urls")),
    path("v1/", include("portfolios.api.urls")),
    path("v1/", include("marketdata.api.urls")),
    path("v1/", include("reporting.api.tax")),
    path("v1/", include("reporting.api.urls")),
    path("v1/", include("reporting.api.reports")),
    path("v1/", include("jobs.api.urls")),
    path("v1/", include("strategies.api.urls")),
    path("v1/", include("trading.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Last: whatever no view above claims is a JSON 404, never the HTML page of the web UI.
    re_path(r"", unknown_endpoint),
]
