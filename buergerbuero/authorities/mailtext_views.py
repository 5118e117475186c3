"""The authority's mail texts (/staff/authority/mails/), for its administrators: every kind of mail in
every language, own or the product's; an edit page with the placeholders, a preview with sample values,
and going back to the product's text. Like the settings page, the pages edit the administrator's own
authority; there is no id of an authority in the address."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from buergerbuero.authorities import mailtexts
from buergerbuero.authorities.access import admin_required
from buergerbuero.authorities.mailtext_actions import reset_mail_text, set_mail_text
from buergerbuero.authorities.models import Authority, MailText, Staff
from buergerbuero.core.errors import ActionError


class MailTextForm(forms.Form):
    # No max_length here: mailtexts checks the length and says so in its own words.
    subject = forms.CharField(label=gettext_lazy("Subject"))
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea, strip=False)

    def __init__(self, *args: Any, mail_type: mailtexts.MailType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mail_type = mail_type

    def clean_subject(self) -> str:
        return mailtexts.check_subject(self.cleaned_data["subject"], self.mail_type)

    def clean_body(self) -> str:
        return mailtexts.check_body(self.cleaned_data["body"], self.mail_type)


def _mail_type(kind: str, language: str) -> mailtexts.MailType:
    if kind not in mailtexts.MAIL_TYPES or language not in dict(mailtexts.languages()):
        raise Http404
    return mailtexts.MAIL_TYPES[kind]


@require_http_methods(["GET"])
@admin_required
def mail_texts(request: HttpRequest, staff: Staff) -> HttpResponse:
    own = set(MailText.objects.filter(authority_id=staff.authority_id).values_list("kind", "language"))
    rows = [
        {
            "label": mail_type.label,
            "languages": [
                {"code": code, "name": name, "own": (kind, code) in own}
                for code, name in mailtexts.languages()
            ],
            "kind": kind,
        }
        for kind, mail_type in mailtexts.MAIL_TYPES.items()
    ]
    context = {"staff": staff, "authority": staff.authority, "rows": rows}
    return render(request, "authorities/staff/mail_texts.html", context)


@require_http_methods(["GET", "POST"])
@admin_required
def mail_text(request: HttpRequest, staff: Staff, kind: str, language: str) -> HttpResponse:
    mail_type = _mail_type(kind, language)
    own = mailtexts.override(staff.authority_id, kind, language)
    if request.method != "POST":
        subject, body = (own.subject, own.body) if own else mailtexts.starting_text(mail_type, language)
        form = MailTextForm(initial={"subject": subject, "body": body}, mail_type=mail_type)
        return _render(request, staff, mail_type, language, form, own, preview=_preview(mail_type, form))
    form = MailTextForm(request.POST, mail_type=mail_type)
    if not form.is_valid():
        return _render(request, staff, mail_type, language, form, own, status=400)
    if "preview" in request.POST:
        return _render(request, staff, mail_type, language, form, own, preview=_preview(mail_type, form))
    try:
        set_mail_text(
            Authority.objects.get(pk=staff.authority_id),
            kind,
            language,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            actor=staff,
        )
    except ActionError as error:
        form.add_error(None, error.message)
        return _render(request, staff, mail_type, language, form, own, status=400)
    messages.success(request, _("The mail text has been saved."))
    return redirect("staff_authority:mail-text", kind=kind, language=language)


@require_POST
@admin_required
def mail_text_reset(request: HttpRequest, staff: Staff, kind: str, language: str) -> HttpResponse:
    _mail_type(kind, language)
    try:
        reset_mail_text(Authority.objects.get(pk=staff.authority_id), kind, language, actor=staff)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The mail has the default text again."))
    return redirect("staff_authority:mail-text", kind=kind, language=language)


def _preview(mail_type: mailtexts.MailType, form: MailTextForm) -> dict[str, str] | None:
    """The form's text with the sample values, or None while it is not valid."""
    subject = form["subject"].value() or ""
    body = form["body"].value() or ""
    try:
        subject = mailtexts.check_subject(subject, mail_type)
        body = mailtexts.check_body(body, mail_type)
    except ValidationError:
        return None
    return {
        "subject": mailtexts.substitute(subject, mailtexts.SAMPLE_VALUES),
        "body": mailtexts.substitute(body, mailtexts.SAMPLE_VALUES),
    }


def _render(
    request: HttpRequest,
    staff: Staff,
    mail_type: mailtexts.MailType,
    language: str,
    form: MailTextForm,
    own: MailText | None,
    *,
    preview: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "staff": staff,
        "authority": staff.authority,
        "mail_type": mail_type,
        "language": language,
        "language_name": dict(mailtexts.languages())[language],
        "placeholders": ["{" + name + "}" for name in mail_type.placeholders],
        "form": form,
        "own": own,
        "preview": preview,
        "subject_max": mailtexts.SUBJECT_MAX,
        "body_max": mailtexts.BODY_MAX,
    }
    return render(request, "authorities/staff/mail_text.html", context, status=status)
