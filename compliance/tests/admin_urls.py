"""Just the admin, so the audit admin's pages can be rendered without the rest of the site."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
