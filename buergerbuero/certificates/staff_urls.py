"""The officials' certificate pages, under /staff/certificates/."""

from django.urls import path

from buergerbuero.certificates import staff_views

app_name = "staff_certificates"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("<int:certificate_id>/pdf/", staff_views.download, name="download"),
    path("<int:certificate_id>/revoke/", staff_views.revoke, name="revoke"),
]
