"""The authority's settings page and its mail texts for its administrators, under /staff/authority/."""

from django.urls import path

from buergerbuero.authorities import mailtext_views, settings_views

app_name = "staff_authority"

urlpatterns = [
    path("settings/", settings_views.settings, name="settings"),
    path("mails/", mailtext_views.mail_texts, name="mail-texts"),
    path("mails/<str:kind>/<str:language>/", mailtext_views.mail_text, name="mail-text"),
    path("mails/<str:kind>/<str:language>/reset/", mailtext_views.mail_text_reset, name="mail-text-reset"),
]
