"""The audit log for an authority's administrators, under /staff/audit/."""

from django.urls import path

from buergerbuero.audit import staff_views

app_name = "staff_audit"

urlpatterns = [
    path("", staff_views.log, name="log"),
    path("export/", staff_views.export, name="export"),
]
