"""trainings.actions.catalogue: materials."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from buergerbuero.core.errors import ActionError
from buergerbuero.trainings.actions import catalogue as catalogue_actions

pytestmark = pytest.mark.django_db


def test_materials_are_stored_under_a_random_name(session, world, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("Folien Erika.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    material = catalogue_actions.add_material(
        session.training_type, upload, title="Folien", actor=world.official_a
    )
    assert material.kind == "pdf" and material.content_type == "application/pdf"
    assert "Erika" not in material.file.name and material.file.name.endswith(".pdf")
    with pytest.raises(ActionError):
        catalogue_actions.add_material(
            session.training_type, SimpleUploadedFile("x.exe", b"MZ"), title="", actor=world.official_a
        )
