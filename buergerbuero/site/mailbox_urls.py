"""The development mailbox (DEBUG only), under /dev/mailbox/."""

from django.urls import path

from buergerbuero.site import mailbox

app_name = "mailbox"

urlpatterns = [
    path("", mailbox.mailbox, name="mailbox"),
    path("<str:name>/<int:index>/", mailbox.mail, name="mail"),
]
