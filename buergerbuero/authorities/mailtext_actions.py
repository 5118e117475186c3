"""The only place that changes an authority's own mail texts (``authorities.mailtexts``).

Only an administrator of the authority changes them (``actor``). The audit entry names the kind of mail
and the language, not the text: the text is on the page, and the log stays a list of who did what.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities import mailtexts
from buergerbuero.authorities.models import Authority, MailText, Staff
from buergerbuero.core.errors import ActionError


def _check_actor(authority: Authority, actor: Staff) -> None:
    if not actor.is_authority_admin:
        raise ActionError("not_admin", _("Only an administrator of your authority may do this."))
    if actor.authority_id != authority.pk:
        raise ActionError("other_authority", _("You may only change the settings of your own authority."))


def mail_type_of(kind: str, language: str) -> mailtexts.MailType:
    if kind not in mailtexts.MAIL_TYPES or language not in dict(mailtexts.languages()):
        raise ActionError("unknown_mail", _("There is no such mail."))
    return mailtexts.MAIL_TYPES[kind]


def set_mail_text(
    authority: Authority, kind: str, language: str, *, subject: str, body: str, actor: Staff
) -> MailText:
    """Store the authority's own subject and body of the mail ``kind`` in ``language``, checked again
    here (``mailtexts.check_subject``, ``check_body``). Writes ``authority.mail_text_changed``, or nothing
    when the text is what was stored already."""
    _check_actor(authority, actor)
    mail_type = mail_type_of(kind, language)
    try:
        subject = mailtexts.check_subject(subject, mail_type)
        body = mailtexts.check_body(body, mail_type)
    except ValidationError as error:
        raise ActionError("invalid_mail_text", " ".join(error.messages)) from error
    with transaction.atomic():
        Authority.objects.select_for_update().get(pk=authority.pk)
        text = MailText.objects.filter(authority=authority, kind=kind, language=language).first()
        if text is not None and (text.subject, text.body) == (subject, body):
            return text
        if text is None:
            text = MailText(authority=authority, kind=kind, language=language)
        text.subject, text.body, text.changed_at = subject, body, timezone.now()
        text.save()
        record(authority.pk, "authority.mail_text_changed", text, actor.user_id, kind=kind, language=language)
    return text


def reset_mail_text(authority: Authority, kind: str, language: str, *, actor: Staff) -> bool:
    """Delete the authority's own text of ``kind`` in ``language``: the mail has the product's text
    again. Writes ``authority.mail_text_reset``; False (and no entry) when there was none."""
    _check_actor(authority, actor)
    mail_type_of(kind, language)
    with transaction.atomic():
        Authority.objects.select_for_update().get(pk=authority.pk)
        text = MailText.objects.filter(authority=authority, kind=kind, language=language).first()
        if text is None:
            return False
        record(authority.pk, "authority.mail_text_reset", text, actor.user_id, kind=kind, language=language)
        text.delete()
    return True
