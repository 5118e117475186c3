"""An official's live workspace sockets hear of every change that may end or narrow their access,
wherever it is made: our actions, the Django admin, the shell, signing out, a session that is flushed
or deleted. Each change sends ``staff.access`` to the official's group after commit; the sockets then
check their access again (StaffConsumer.recheck_access) and leave what they may no longer see, or close.

Connected in StaffConfig.ready(). Receivers only announce; they change nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY, get_user_model, user_logged_out
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete, post_save

from buergerbuero.authorities.models import Staff
from buergerbuero.offices.models import Assignment
from buergerbuero.staff.events import announce_access_changed

# Saves that cannot change what a workspace may see (a login's timestamp, the official's own availability).
_HARMLESS_USER_FIELDS = frozenset({"last_login"})
_HARMLESS_STAFF_FIELDS = frozenset({"availability"})


def _announce_for_user(user_id: int | str) -> None:
    staff_id = Staff.objects.filter(user_id=user_id).values_list("pk", flat=True).first()
    if staff_id is not None:
        announce_access_changed(staff_id)


def assignment_changed(sender: type, instance: Assignment, **kwargs: Any) -> None:
    announce_access_changed(instance.staff_id)


def staff_changed(
    sender: type, instance: Staff, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    if update_fields is not None and update_fields <= _HARMLESS_STAFF_FIELDS:
        return
    announce_access_changed(instance.pk)


def staff_deleted(sender: type, instance: Staff, **kwargs: Any) -> None:
    announce_access_changed(instance.pk)


def user_changed(
    sender: type, instance: Any, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    # Activity, password (which ends the user's other sessions), superuser and staff flags.
    if update_fields is not None and update_fields <= _HARMLESS_USER_FIELDS:
        return
    _announce_for_user(instance.pk)


def logged_out(sender: type, user: Any = None, **kwargs: Any) -> None:
    # Sent before the session is flushed; the flush itself announces again (session_deleted), and that
    # second check is the one that finds the session gone.
    if user is not None:
        _announce_for_user(user.pk)


def session_deleted(sender: type, instance: Session, **kwargs: Any) -> None:
    user_id = instance.get_decoded().get(SESSION_KEY)
    if user_id is not None:
        _announce_for_user(user_id)


def connect() -> None:
    post_save.connect(assignment_changed, sender=Assignment, dispatch_uid="staff-access-assignment-saved")
    post_delete.connect(assignment_changed, sender=Assignment, dispatch_uid="staff-access-assignment-deleted")
    post_save.connect(staff_changed, sender=Staff, dispatch_uid="staff-access-staff-saved")
    post_delete.connect(staff_deleted, sender=Staff, dispatch_uid="staff-access-staff-deleted")
    post_save.connect(user_changed, sender=get_user_model(), dispatch_uid="staff-access-user-saved")
    user_logged_out.connect(logged_out, dispatch_uid="staff-access-logged-out")
    post_delete.connect(session_deleted, sender=Session, dispatch_uid="staff-access-session-deleted")
