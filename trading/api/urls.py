from django.urls import path

from . import views

urlpatterns = [
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/statistics/", views.OrderStatisticsView.as_view(), name="order-statistics"),
    path("orders/<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
]
