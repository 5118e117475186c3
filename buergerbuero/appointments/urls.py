"""Public booking pages (German paths, like the rest of the citizen's pages)."""

from django.urls import path  # noqa: F401

app_name = "appointments"

urlpatterns: list = []
