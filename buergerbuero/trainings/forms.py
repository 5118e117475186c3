"""The public registration forms. Both carry the proof of work of the booking form (core/pow.py)
on the step that registers; the class form reads the pupil list typed or uploaded (csvimport.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.forms import ProofOfWorkForm, check_pow, consent_field, email_field
from buergerbuero.trainings import csvimport

DATE_INPUTS = ["%Y-%m-%d", "%d.%m.%Y"]


def _birth_date_field() -> forms.DateField:
    return forms.DateField(
        label=_("Date of birth"),
        input_formats=DATE_INPUTS,
        error_messages={
            "required": _("Please enter your date of birth."),
            "invalid": _("Please enter the date of birth as 31.12.2008."),
        },
    )


class IndividualForm(ProofOfWorkForm):
    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        help_text=_("As it should appear on the certificate."),
        error_messages={"required": _("Please enter your name.")},
    )
    birth_date = _birth_date_field()
    email = email_field()
    guardian_consent = forms.BooleanField(
        label=_("I am under 18: my parents or guardians agree to my taking part."), required=False
    )
    consent = consent_field(_("Please agree to the privacy notice to register."))
    pow = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_birth_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["birth_date"]
        if value > self.today or value.year < self.today.year - 120:
            raise forms.ValidationError(_("Please check the date of birth."))
        return value


class ClassForm(forms.Form):
    """The class registration in two steps: the list (typed or uploaded) is read and shown with a
    consent box per minor; ``confirm`` registers. On the second step the list comes back as text."""

    teacher_name = forms.CharField(
        label=_("Your name (teacher)"),
        max_length=120,
        error_messages={"required": _("Please enter your name.")},
    )
    email = email_field()
    school = forms.CharField(
        label=_("School"), max_length=200, error_messages={"required": _("Please enter the school.")}
    )
    class_name = forms.CharField(label=_("Class (optional)"), max_length=60, required=False)
    pupils_text = forms.CharField(label=_("Pupils, one per line: name; date of birth"), required=False)
    pupils_file = forms.FileField(label=_("Or upload the list as a CSV file"), required=False)
    consent_mode = forms.ChoiceField(
        label=_("Guardians' consent for pupils under 18"),
        choices=[
            (
                "declaration",
                _("I declare that the school holds the guardians' consent of every pupil under 18."),
            ),
            ("per_pupil", _("I confirm the consent for each pupil under 18 separately (next step).")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose how the guardians' consent is recorded.")},
    )
    consent = consent_field(_("Please agree to the privacy notice to register."))
    pow = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, today: dt.date, session_day: dt.date, confirm: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.session_day = session_day
        self.confirm = confirm
        self.pupil_list: csvimport.PupilList | None = None
        self.list_text = ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        upload = self.cleaned_data.get("pupils_file")
        text = self.cleaned_data.get("pupils_text") or ""
        if upload is not None:
            try:
                text = csvimport.read_upload(upload)
            except csvimport.UnreadableFile as exc:
                self.add_error("pupils_file", str(exc))
                return self.cleaned_data
        self.list_text = text
        pupil_list = csvimport.parse(text, self.today)
        self.pupil_list = pupil_list
        if pupil_list.errors:
            self.add_error("pupils_text", _("Some lines of the pupil list cannot be used (see below)."))
        if self.confirm:
            check_pow(self)
        return self.cleaned_data

    @property
    def minors(self) -> list[csvimport.PupilRow]:
        if self.pupil_list is None:
            return []
        return [p for p in self.pupil_list.pupils if csvimport.is_minor(p.birth_date, self.session_day)]

    def consents(self) -> set[int]:
        """The list lines whose consent box was ticked (``consent_<line>``)."""
        return {p.line for p in self.minors if self.data.get(f"consent_{p.line}")}


class CheckForm(forms.Form):
    """The comprehension check; its fields are made from the questions (one per question)."""

    def __init__(self, *args: Any, questions: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            choices = [(str(c.pk), c.text) for c in question.choices.all()]
            self.fields[f"q{question.pk}"] = forms.MultipleChoiceField(
                label=question.text,
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                required=True,
                error_messages={"required": _("Please choose at least one answer.")},
            )

    def answers(self) -> dict[int, set[int]]:
        return {q.pk: {int(v) for v in self.cleaned_data.get(f"q{q.pk}", [])} for q in self.questions}
