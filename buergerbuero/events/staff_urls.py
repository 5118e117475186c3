"""The officials' event pages, under /staff/events/."""

from django.urls import path

from buergerbuero.events import staff_views

app_name = "staff_events"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("new/", staff_views.create, name="create"),
    path("<int:event_id>/", staff_views.detail, name="detail"),
    path("<int:event_id>/edit/", staff_views.edit, name="edit"),
    path("<int:event_id>/cancel/", staff_views.cancel, name="cancel"),
    path("<int:event_id>/start/", staff_views.start, name="start"),
    path("<int:event_id>/invitation/", staff_views.renew_invitation, name="renew-invitation"),
    path("<int:event_id>/hall/", staff_views.hall_link, name="hall-link"),
    path(
        "<int:event_id>/registrations/<int:registration_id>/remove/",
        staff_views.remove_registration,
        name="remove-registration",
    ),
]
