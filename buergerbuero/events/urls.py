"""Public event pages (German paths). Included before the public app, whose catch-all slugs would take
``veranstaltungen/…``; the fixed words come before the token paths."""

from django.urls import path

from buergerbuero.events import views

app_name = "events"

urlpatterns = [
    path("veranstaltungen/angemeldet/", views.registered, name="registered"),
    path("veranstaltungen/einladung/<str:token>/", views.invitation, name="invitation"),
    path("veranstaltungen/anmeldung/<str:token>/", views.registration, name="registration"),
    path("<slug:authority_slug>/veranstaltungen/", views.event_list, name="list"),
    path("<slug:authority_slug>/veranstaltungen/<int:event_id>/", views.detail, name="detail"),
]
