"""The officials' office pages, under /staff/offices/."""

from django.urls import path

from buergerbuero.offices import staff_views

app_name = "staff_offices"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("new/", staff_views.create, name="create"),
    path("<int:office_id>/", staff_views.detail, name="detail"),
    path("<int:office_id>/edit/", staff_views.edit, name="edit"),
    path("<int:office_id>/archive/", staff_views.archive, name="archive"),
    path("<int:office_id>/unarchive/", staff_views.unarchive, name="unarchive"),
    path("<int:office_id>/hours/", staff_views.hours, name="hours"),
    path("<int:office_id>/hours/remove/", staff_views.remove_prepared_hours, name="remove-hours"),
    path("<int:office_id>/closures/", staff_views.add_closure, name="add-closure"),
    path(
        "<int:office_id>/closures/<int:closure_id>/remove/", staff_views.remove_closure, name="remove-closure"
    ),
    path("<int:office_id>/assignments/", staff_views.assign, name="assign"),
    path("<int:office_id>/assignments/<int:assignment_id>/remove/", staff_views.unassign, name="unassign"),
    path("<int:office_id>/assignments/<int:assignment_id>/lead/", staff_views.set_lead, name="set-lead"),
]
