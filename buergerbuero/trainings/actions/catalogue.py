"""Training types: their fields, their comprehension check and their materials."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.models import Office
from buergerbuero.trainings import checktext, selectors
from buergerbuero.trainings.models import (
    Choice,
    Material,
    Question,
    TrainingType,
)

MAX_MATERIAL_BYTES = 200 * 1024 * 1024


TYPE_FIELDS = (
    "title",
    "legal_basis",
    "description",
    "duration_minutes",
    "required_attendance_percent",
    "pass_mark_percent",
)


@transaction.atomic
def create_type(office: Office, *, actor: Staff, **fields: object) -> TrainingType:
    training_type = TrainingType.objects.create(
        authority_id=office.authority_id, office=office, **{k: fields[k] for k in TYPE_FIELDS if k in fields}
    )
    record(office.authority_id, "training_type.created", training_type, actor.user_id)
    return training_type


@transaction.atomic
def update_type(training_type: TrainingType, *, actor: Staff, **fields: object) -> TrainingType:
    changed = [k for k in TYPE_FIELDS if k in fields and getattr(training_type, k) != fields[k]]
    for name in changed:
        setattr(training_type, name, fields[name])
    if changed:
        training_type.save(update_fields=changed)
        record(
            training_type.authority_id, "training_type.changed", training_type, actor.user_id, fields=changed
        )
    return training_type


@transaction.atomic
def set_questions(
    training_type: TrainingType, questions: Sequence[checktext.ParsedQuestion], *, actor: Staff
) -> None:
    """Replace the comprehension check (an empty list: no check)."""
    training_type.questions.all().delete()
    for position, parsed in enumerate(questions):
        question = Question.objects.create(training_type=training_type, position=position, text=parsed.text)
        Choice.objects.bulk_create(
            Choice(question=question, position=i, text=text, correct=correct)
            for i, (text, correct) in enumerate(parsed.choices)
        )
    record(
        training_type.authority_id,
        "training_type.check_set",
        training_type,
        actor.user_id,
        questions=len(questions),
    )


@transaction.atomic
def add_material(training_type: TrainingType, upload: UploadedFile, *, title: str, actor: Staff) -> Material:
    kind = selectors.material_kind(upload.name or "")
    if kind is None:
        raise ActionError(
            "material_type", _("Please upload a PDF, an image (PNG, JPEG, WebP) or a video (MP4, WebM).")
        )
    if (upload.size or 0) > MAX_MATERIAL_BYTES:
        raise ActionError("material_size", _("The file is larger than 200 MB."))
    position = training_type.materials.count()
    material = Material(
        training_type=training_type,
        title=title or (upload.name or "")[:200],
        kind=kind[0],
        content_type=kind[1],
        position=position,
    )
    material.file.save(upload.name or "material", upload, save=False)
    material.save()
    record(training_type.authority_id, "training_material.added", material, actor.user_id, kind=kind[0])
    return material


@transaction.atomic
def delete_material(material: Material, *, actor: Staff) -> None:
    record(material.training_type.authority_id, "training_material.deleted", material, actor.user_id)
    name = material.file.name
    storage = material.file.storage
    material.delete()
    # The file goes only once the row is gone for good.
    if name:
        transaction.on_commit(lambda: storage.delete(name))
