"""The public verification pages: /bescheinigung/ (a form to type an identifier) and
/bescheinigung/<identifier>/ (the answer)."""

from django.urls import path

from buergerbuero.certificates import views
from buergerbuero.certificates.models import VERIFY_PATH

app_name = "certificates"

urlpatterns = [
    path(VERIFY_PATH, views.verify_form, name="verify-form"),
    path(f"{VERIFY_PATH}<str:identifier>/", views.verify, name="verify"),
]
