"""The officials' training pages, under /staff/trainings/."""

from django.urls import path

from buergerbuero.trainings import staff_views

app_name = "staff_trainings"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("types/new/", staff_views.type_new, name="type-new"),
    path("types/<int:type_id>/", staff_views.type_edit, name="type"),
    path("types/<int:type_id>/materials/", staff_views.material_add, name="material-add"),
    path("types/<int:type_id>/sessions/new/", staff_views.session_new, name="session-new"),
    path("materials/<int:material_id>/delete/", staff_views.material_delete, name="material-delete"),
    path("sessions/<int:session_id>/", staff_views.session_detail, name="session"),
    path("sessions/<int:session_id>/edit/", staff_views.session_edit, name="session-edit"),
    path("sessions/<int:session_id>/start/", staff_views.session_start, name="session-start"),
    path("sessions/<int:session_id>/completion/", staff_views.session_completion, name="session-completion"),
    path(
        "sessions/<int:session_id>/certificates/",
        staff_views.session_certificates,
        name="session-certificates",
    ),
    path("sessions/<int:session_id>/show/", staff_views.session_show_material, name="session-show"),
]
