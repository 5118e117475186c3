"""Public booking pages (German paths, like the rest of the citizen's pages).

Included before the public app, whose catch-all slugs would otherwise take ``termine/…``. Within this
list the fixed words come before the token and slot-key paths that would swallow them.
"""

from django.urls import path

from buergerbuero.appointments import views

app_name = "appointments"

urlpatterns = [
    path("termine/pruefung/", views.pow_challenge, name="pow-challenge"),
    path("termine/bestaetigen/<str:token>/", views.confirm, name="confirm"),
    path("termine/<str:token>/", views.manage, name="manage"),
    path("termine/<str:token>/absagen/", views.cancel, name="cancel"),
    path("termine/<str:token>/eintreten/", views.join, name="join"),
    path("termine/<str:token>/verschieben/", views.reschedule_week, name="reschedule"),
    path(
        "termine/<str:token>/verschieben/<str:slot_key>/",
        views.reschedule_slot,
        name="reschedule-slot",
    ),
    path("<slug:authority_slug>/<slug:office_slug>/termin/", views.week, name="week"),
    path("<slug:authority_slug>/<slug:office_slug>/termin/gebucht/", views.booked, name="booked"),
    path("<slug:authority_slug>/<slug:office_slug>/termin/<str:slot_key>/", views.book, name="book"),
]
