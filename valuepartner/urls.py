from django.contrib import admin
from django.urls import include, path

from . import health, metrics, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("", include("portfolios.urls")),
    path("reporting/", include("reporting.urls")),
    path("reports/", include("reporting.urls_reports")),
    path("jobs/", include("jobs.urls")),
    path("strategies/", include("strategies.urls")),
    path("orders/", include("trading.urls")),
    path("api/", include("valuepartner.api.urls")),
    path("healthz/", include(health.urlpatterns)),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
]

handler400 = "valuepartner.views.bad_request"
handler403 = "valuepartner.views.permission_denied"
handler404 = "valuepartner.views.page_not_found"
handler500 = "valuepartner.views.server_error"
