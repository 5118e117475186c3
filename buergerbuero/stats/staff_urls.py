"""The officials' statistics pages, under /staff/statistics/."""

from django.urls import path

from buergerbuero.stats import staff_views

app_name = "stats"

urlpatterns = [
    path("", staff_views.dashboard, name="dashboard"),
    path("export/", staff_views.export, name="export"),
    path("print/", staff_views.print_view, name="print"),
]
