"""The officials' appointment pages, under /staff/appointments/."""

from django.urls import path  # noqa: F401

app_name = "staff_appointments"

urlpatterns: list = []
