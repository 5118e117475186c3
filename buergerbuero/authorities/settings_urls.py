"""The authority's settings page for its administrators, under /staff/authority/."""

from django.urls import path

from buergerbuero.authorities import settings_views

app_name = "staff_authority"

urlpatterns = [
    path("settings/", settings_views.settings, name="settings"),
]
