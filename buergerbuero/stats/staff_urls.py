"""The officials' statistics pages, under /staff/statistics/."""

from django.urls import path

from buergerbuero.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.export, name="export"),
    path("print/", views.print_view, name="print"),
]
