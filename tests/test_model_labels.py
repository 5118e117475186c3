"""Every model and field of the project is labelled for the (German) admin: an explicit, translatable
verbose name, never the English label Django derives from the attribute name."""

from __future__ import annotations

import holidays
import pytest
from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.functional import Promise

from buergerbuero.authorities.models import GERMAN_STATES, Authority
from buergerbuero.calls.models import EndReason, Participant
from buergerbuero.offices.models import OpenPeriod, Presence
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition

PROJECT_MODELS = [
    model
    for config in apps.get_app_configs()
    if config.name.startswith("buergerbuero.")
    for model in config.get_models()
]
PROJECT_FIELDS = [
    field
    for model in PROJECT_MODELS
    for field in [*model._meta.fields, *model._meta.many_to_many]
    if not field.auto_created
]
CHOICE_FIELDS = [field for field in PROJECT_FIELDS if field.choices]


def test_the_project_has_models() -> None:
    assert Participant in PROJECT_MODELS
    assert len(PROJECT_FIELDS) > 50


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label)
def test_every_model_has_translatable_names(model: type[models.Model]) -> None:
    for attr in ("verbose_name", "verbose_name_plural"):
        # Options fills in a default derived from the class name; only Meta's own value counts.
        assert attr in model._meta.original_attrs, f"{model._meta.label} has no Meta.{attr}"
        assert isinstance(getattr(model._meta, attr), Promise), f"{model._meta.label}.{attr} is not lazy"


@pytest.mark.parametrize("field", PROJECT_FIELDS, ids=lambda f: f"{f.model._meta.label}.{f.name}")
def test_every_field_has_a_translatable_verbose_name(field: models.Field) -> None:
    # deconstruct() lists verbose_name only when it was given; without it Django derives "enqueued at".
    _, _, _, kwargs = field.deconstruct()
    assert "verbose_name" in kwargs, f"{field} has no explicit verbose_name"
    assert isinstance(field.verbose_name, Promise), f"{field}'s verbose_name is not translatable"
    if field.help_text:
        assert isinstance(field.help_text, Promise), f"{field}'s help_text is not translatable"


@pytest.mark.parametrize("field", CHOICE_FIELDS, ids=lambda f: f"{f.model._meta.label}.{f.name}")
def test_every_choice_label_is_translatable(field: models.Field) -> None:
    for value, label in field.flatchoices:
        assert isinstance(label, Promise), f"{field}: the label of {value!r} is not translatable"


def test_german_states_are_those_of_the_holiday_calendar() -> None:
    codes = {code for code in holidays.country_holidays("DE").subdivisions if len(code) == 2}
    assert {code for code, _ in GERMAN_STATES} == codes


GERMAN_LABELS = [
    pytest.param(lambda: Participant._meta.verbose_name, "Teilnehmende Person", id="Participant"),
    pytest.param(lambda: Participant._meta.verbose_name_plural, "Teilnehmende", id="Participant-plural"),
    pytest.param(lambda: TicketTransition._meta.verbose_name_plural, "Statuswechsel", id="TicketTransition"),
    pytest.param(lambda: OpenPeriod._meta.verbose_name_plural, "Öffnungszeiträume", id="OpenPeriod"),
    pytest.param(lambda: Presence._meta.verbose_name, "Anwesenheit", id="Presence"),
    pytest.param(
        lambda: Presence._meta.get_field("staff").verbose_name, "Ansprechperson", id="Presence.staff"
    ),
    pytest.param(
        lambda: Ticket._meta.get_field("enqueued_at").verbose_name,
        "in der Warteschlange seit",
        id="Ticket.enqueued_at",
    ),
    pytest.param(
        lambda: Ticket._meta.get_field("personal_data_deleted").help_text,
        "Name, Anliegen, Hinweis und Nachricht wurden nach Ablauf der Aufbewahrungsfrist gelöscht.",
        id="Ticket.personal_data_deleted-help",
    ),
    pytest.param(lambda: TicketState.IN_CONSULTATION.label, "Im Gespräch", id="TicketState"),
    pytest.param(lambda: EndReason.NO_SHOW.label, "Person ist nicht beigetreten", id="EndReason"),
    pytest.param(
        lambda: Authority(holiday_state="BY").get_holiday_state_display(), "Bayern", id="holiday_state"
    ),
]


@pytest.mark.parametrize(("label", "german"), GERMAN_LABELS)
def test_labels_in_german(label, german: str) -> None:
    with translation.override("de"):
        assert str(label()) == german
