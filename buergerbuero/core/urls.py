"""The development mailbox (DEBUG only), under /dev/mailbox/."""

from django.urls import path

from buergerbuero.core import views

app_name = "core"

urlpatterns = [
    path("", views.mailbox, name="mailbox"),
    path("<str:name>/<int:index>/", views.mail, name="mail"),
]
