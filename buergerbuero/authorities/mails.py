"""Mails to officials: the invitation to take up an account, and the link to set a new password.

They are written in the installation's default language (an invitee has chosen none yet) and sent from
the authority's name. ``send_invitation`` is what the actions schedule after their transaction commits;
it never raises (a mail server that is down cannot undo an invitation that was made; the administrator
can send it again). The invitation link's token is passed in, never read back: only its hash is stored.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import formats, timezone, translation

from buergerbuero.authorities import mailtexts
from buergerbuero.authorities.models import Staff
from buergerbuero.core import mails as core_mails

logger = logging.getLogger(__name__)


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def invitation_url(token: str) -> str:
    return site_url(reverse("staff_people:accept", args=[token]))


def send_invitation(staff_id: int, token: str) -> bool:
    """Send the invitation mail of ``staff_id`` with the link of ``token``. Never raises; True when a
    mail left."""
    try:
        staff = Staff.objects.select_related("user", "authority", "invitation").filter(pk=staff_id).first()
        if staff is None or not staff.user.email:
            return False
        build_invitation(staff, token).send()
    except Exception:
        logger.exception("authorities: the invitation mail of official %s could not be sent", staff_id)
        return False
    return True


def _build(staff: Staff, kind: str, **context: str) -> EmailMessage:
    """The mail ``kind`` (``mailtexts.MAIL_TYPES``) to ``staff`` in the default language; its text sees
    ``context`` with the name, user name and authority."""
    language = core_mails.language_of(settings.LANGUAGE_CODE)
    with translation.override(language):
        context = {
            "name": staff.display_name,
            "username": staff.user.username,
            "authority": staff.authority.name,
            **context,
        }
        subject, body = mailtexts.compose(staff.authority_id, kind, language, context)
        return core_mails.message(
            subject=subject,
            body=body,
            from_email=core_mails.sender(staff.authority.name),
            to=staff.user.email,
            language=language,
            authority_id=staff.authority_id,
        )


def build_invitation(staff: Staff, token: str) -> EmailMessage:
    expires = timezone.localtime(staff.invitation.expires_at)
    with translation.override(core_mails.language_of(settings.LANGUAGE_CODE)):
        expires_text = formats.date_format(expires, "DATETIME_FORMAT")
    return _build(
        staff,
        "authorities.invitation",
        url=invitation_url(token),
        expires=expires_text,
    )


def send_password_reset(staff: Staff, url: str) -> bool:
    """Send the reset link. Never raises: an error page only for known addresses would tell who has an
    account (the failure is logged)."""
    try:
        build_password_reset(staff, url).send()
    except Exception:
        logger.exception("authorities: the password reset mail of official %s could not be sent", staff.pk)
        return False
    return True


def build_password_reset(staff: Staff, url: str) -> EmailMessage:
    return _build(
        staff,
        "authorities.password_reset",
        url=url,
    )
