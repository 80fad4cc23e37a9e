from django.urls import path

from . import views, views_detail, views_stats

app_name = "trading"

urlpatterns = [
    path("", views.blotter, name="blotter"),
    path("new/", views.order_ticket, name="ticket"),
    path("new/preview/", views.order_preview, name="ticket-preview"),
    path("statistics/", views_stats.order_statistics_page, name="statistics"),
    path("<int:pk>/", views_detail.order_detail, name="order-detail"),
]
