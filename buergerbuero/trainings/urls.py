"""Public training pages (German paths). Included before the public app, whose catch-all slugs would
take ``<authority>/schulungen/``; the fixed words come before the paths with tokens and slugs."""

from django.urls import path

from buergerbuero.trainings import views

app_name = "trainings"

urlpatterns = [
    path("schulungen/material/<int:material_id>/", views.material, name="material"),
    path("schulungen/anmeldung/<str:token>/", views.registration_page, name="registration"),
    path(
        "schulungen/anmeldung/<str:token>/bescheinigung.pdf",
        views.registration_certificate,
        name="registration-certificate",
    ),
    path("schulungen/klasse/<str:token>/", views.class_page, name="class"),
    path(
        "schulungen/klasse/<str:token>/bescheinigungen.pdf",
        views.class_certificates,
        name="class-certificates",
    ),
    path("<slug:authority_slug>/schulungen/", views.session_list, name="list"),
    path("<slug:authority_slug>/schulungen/angemeldet/", views.registered, name="registered"),
    path("<slug:authority_slug>/schulungen/<int:session_id>/anmelden/", views.register, name="register"),
    path(
        "<slug:authority_slug>/schulungen/<int:session_id>/klasse/",
        views.register_class,
        name="register-class",
    ),
]
