from django.urls import path

from . import views

# Included by valuepartner.api.urls under the "api" namespace.
urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token_obtain"),
    path("auth/token/refresh/", views.TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.MeView.as_view(), name="me"),
]
