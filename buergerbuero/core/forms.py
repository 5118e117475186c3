"""What the public forms of appointments, events, trainings and the waiting area share: the e-mail and
consent fields, the check of the proof of work (core/pow.py) in the hidden ``pow`` field, and the error
summary of a public page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buergerbuero.core import pow

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

POW_ERRORS = {
    "missing": _(
        "The automatic security check has not run. It needs JavaScript: please switch JavaScript on, "
        "or wait until the check is finished, and send the form again."
    ),
    "expired": _("The security check had expired. It has been renewed: please send the form again."),
    "replayed": _("The security check was already used. It has been renewed: please send the form again."),
    "invalid": _("The security check failed. It has been renewed: please send the form again."),
}


def email_field() -> forms.EmailField:
    return forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        error_messages={
            "required": _("Please enter your e-mail address."),
            "invalid": _("Please enter a valid e-mail address, for example name@example.org."),
        },
    )


def consent_field(required_message: StrOrPromise) -> forms.BooleanField:
    """The consent to the privacy notice; ``required_message`` says what it is needed for."""
    return forms.BooleanField(
        label=_("I have read the privacy notice and agree."),
        error_messages={"required": required_message},
    )


def check_pow(form: forms.Form) -> None:
    """Add the proof of work's error to ``form``, or use the solution up (once). A solution is used up
    only when the form has no other error, so that correcting a typo does not cost a new one."""
    verdict = pow.verify(form.data.get("pow"))
    if not verdict.ok:
        if verdict.reason == "missing" or not form.errors:
            reason = verdict.reason if verdict.reason in POW_ERRORS else "invalid"
            form.add_error("pow", POW_ERRORS[reason])
    elif not form.errors and not pow.consume(verdict):
        # Verified, but another request with the same solution was first.
        form.add_error("pow", POW_ERRORS["replayed"])


class ProofOfWorkForm(forms.Form):
    """A form whose clean() ends with ``check_pow``. The form declares its own hidden ``pow`` field (as its
    last field: the error summary follows the order of the fields)."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_pow(self)
        return self.cleaned_data


def error_list(form: forms.Form) -> list[tuple[str, str]]:
    """(anchor, message) for a public page's error summary; each links to its field (the proof of work's
    error to its box)."""
    errors = [("", str(message)) for message in form.non_field_errors()]
    for name in form.fields:
        anchor = "pow-check" if name == "pow" else f"id_{name}"
        errors.extend((anchor, str(message)) for message in form.errors.get(name, []))
    return errors
