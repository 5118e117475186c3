"""What an audit entry's action code means, in words (German by default, English msgids).

The codes stay in the database as they are (``office.opened``): they are stable, searchable and
independent of the language; every place that shows an entry shows ``action_label(code)`` instead.
A code written by an action must have a label here (``tests/audit/test_labels.py`` reads every code the
package can record); an unknown one, e.g. of a removed action in an old entry, still reads as a sentence
with the code in it."""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import pgettext, pgettext_lazy

# Every label has the context "audit log": "Office closed" here is something that happened, not the
# state of an office. (Written out in each call: makemessages sees a context only there.)
ACTION_LABELS: dict[str, Promise] = {
    # the authority's settings
    "authority.settings_changed": pgettext_lazy("audit log", "Settings of the authority changed"),
    "authority.mail_text_changed": pgettext_lazy("audit log", "Mail text of the authority changed"),
    "authority.mail_text_reset": pgettext_lazy("audit log", "Mail text reset to the default"),
    # offices
    "office.opened": pgettext_lazy("audit log", "Office opened"),
    "office.closed": pgettext_lazy("audit log", "Office closed"),
    "presence.started": pgettext_lazy("audit log", "Official began attending the office"),
    "presence.ended": pgettext_lazy("audit log", "Official stopped attending the office"),
    "staff.availability": pgettext_lazy("audit log", "Availability changed"),
    "office.created": pgettext_lazy("audit log", "Office created"),
    "office.changed": pgettext_lazy("audit log", "Office details changed"),
    "office.archived": pgettext_lazy("audit log", "Office archived"),
    "office.unarchived": pgettext_lazy("audit log", "Office taken out of the archive"),
    "office.hours_changed": pgettext_lazy("audit log", "Opening hours changed"),
    "office.hours_removed": pgettext_lazy("audit log", "Prepared opening hours removed"),
    "closure.added": pgettext_lazy("audit log", "Closing day added"),
    "closure.removed": pgettext_lazy("audit log", "Closing day removed"),
    "assignment.created": pgettext_lazy("audit log", "Official assigned to the office"),
    "assignment.removed": pgettext_lazy("audit log", "Official no longer assigned to the office"),
    "assignment.lead_set": pgettext_lazy("audit log", "Official made office lead"),
    "assignment.lead_unset": pgettext_lazy("audit log", "Official no longer office lead"),
    # waiting area
    "ticket.created": pgettext_lazy("audit log", "Citizen entered the waiting area"),
    "ticket.waiting": pgettext_lazy("audit log", "Citizen back in the waiting area"),
    "ticket.invited": pgettext_lazy("audit log", "Citizen admitted"),
    "ticket.in_consultation": pgettext_lazy("audit log", "Citizen joined the consultation"),
    "ticket.done": pgettext_lazy("audit log", "Visit finished"),
    "ticket.left": pgettext_lazy("audit log", "Citizen left"),
    "ticket.declined": pgettext_lazy("audit log", "Citizen turned away"),
    "ticket.expired": pgettext_lazy("audit log", "Place in the waiting area expired"),
    "ticket.transferred": pgettext_lazy("audit log", "Citizen transferred to another office"),
    "ticket.rated": pgettext_lazy("audit log", "Consultation rated"),
    # consultations
    "consultation.started": pgettext_lazy("audit log", "Consultation started"),
    "consultation.ended": pgettext_lazy("audit log", "Consultation ended"),
    "consultation.call_moved": pgettext_lazy("audit log", "Call moved to another page"),
    "consultation.colleague_invited": pgettext_lazy("audit log", "Colleague invited to the consultation"),
    "consultation.colleague_joined": pgettext_lazy("audit log", "Colleague joined the consultation"),
    "consultation.colleague_declined": pgettext_lazy("audit log", "Colleague declined the invitation"),
    "consultation.colleague_left": pgettext_lazy("audit log", "Colleague left the consultation"),
    "consultation.colleague_gone": pgettext_lazy("audit log", "Colleague's connection lost"),
    # appointments
    "booking.created": pgettext_lazy("audit log", "Appointment booked"),
    "booking.confirmed": pgettext_lazy("audit log", "Appointment confirmed"),
    "booking.cancelled": pgettext_lazy("audit log", "Appointment cancelled"),
    "booking.moved": pgettext_lazy("audit log", "Appointment moved"),
    "booking.arrived": pgettext_lazy("audit log", "Citizen arrived for the appointment"),
    "booking.lapsed": pgettext_lazy("audit log", "Unconfirmed appointment lapsed"),
    "booking.no_show": pgettext_lazy("audit log", "Citizen did not come to the appointment"),
    "slot.blocked": pgettext_lazy("audit log", "Appointment slot blocked"),
    "slot.freed": pgettext_lazy("audit log", "Appointment slot freed"),
    # group sessions
    "room.created": pgettext_lazy("audit log", "Room created"),
    "room.started": pgettext_lazy("audit log", "Room started"),
    "room.ended": pgettext_lazy("audit log", "Room ended"),
    "room.locked": pgettext_lazy("audit log", "Room locked"),
    "room.unlocked": pgettext_lazy("audit log", "Room unlocked"),
    "room.media_placed": pgettext_lazy("audit log", "Room placed on a media server"),
    "room.member_added": pgettext_lazy("audit log", "Member added to the room"),
    "room.member_revoked": pgettext_lazy("audit log", "Member's access to the room revoked"),
    "room.joined": pgettext_lazy("audit log", "Member joined the room"),
    "room.left": pgettext_lazy("audit log", "Member left the room"),
    "room.admitted": pgettext_lazy("audit log", "Member admitted from the lobby"),
    "room.declined": pgettext_lazy("audit log", "Member turned away from the lobby"),
    "room.removed": pgettext_lazy("audit log", "Member removed from the room"),
    "room.hand_raised": pgettext_lazy("audit log", "Hand raised"),
    "room.hand_lowered": pgettext_lazy("audit log", "Hand lowered"),
    "room.hands_lowered": pgettext_lazy("audit log", "All hands lowered"),
    "room.speak_granted": pgettext_lazy("audit log", "Member allowed to speak"),
    "room.speak_revoked": pgettext_lazy("audit log", "Member no longer allowed to speak"),
    "room.promoted": pgettext_lazy("audit log", "Member made a speaker"),
    "room.demoted": pgettext_lazy("audit log", "Speaker made a participant"),
    "room.muted": pgettext_lazy("audit log", "Member's microphone muted"),
    "room.unmuted": pgettext_lazy("audit log", "Member's microphone allowed again"),
    "room.video_stopped": pgettext_lazy("audit log", "Member's camera stopped"),
    "room.video_allowed": pgettext_lazy("audit log", "Member's camera allowed again"),
    "room.muted_all": pgettext_lazy("audit log", "Everyone muted"),
    "room.chat_sent": pgettext_lazy("audit log", "Chat message sent"),
    "room.chat_deleted": pgettext_lazy("audit log", "Chat message deleted"),
    "room.presence_check": pgettext_lazy("audit log", "Presence check started"),
    "room.presence_answered": pgettext_lazy("audit log", "Presence check answered"),
    "room.stage_set": pgettext_lazy("audit log", "Shared content changed"),
    "room.personal_data_deleted": pgettext_lazy("audit log", "Personal data of the room deleted"),
    # events
    "event.created": pgettext_lazy("audit log", "Event created"),
    "event.changed": pgettext_lazy("audit log", "Event changed"),
    "event.started": pgettext_lazy("audit log", "Event started"),
    "event.cancelled": pgettext_lazy("audit log", "Event cancelled"),
    "event.invitation_renewed": pgettext_lazy("audit log", "Invitation link renewed"),
    "event.hall_link": pgettext_lazy("audit log", "Meeting hall link created"),
    "event.registered": pgettext_lazy("audit log", "Registered for the event"),
    "event.registration_cancelled": pgettext_lazy("audit log", "Event registration cancelled"),
    # trainings
    "training_type.created": pgettext_lazy("audit log", "Training type created"),
    "training_type.changed": pgettext_lazy("audit log", "Training type changed"),
    "training_type.check_set": pgettext_lazy("audit log", "Comprehension check changed"),
    "training_material.added": pgettext_lazy("audit log", "Training material added"),
    "training_material.deleted": pgettext_lazy("audit log", "Training material deleted"),
    "training_session.created": pgettext_lazy("audit log", "Training session created"),
    "training_session.changed": pgettext_lazy("audit log", "Training session changed"),
    "training_session.started": pgettext_lazy("audit log", "Training session started"),
    "training_session.completion_computed": pgettext_lazy("audit log", "Training completion determined"),
    "training_session.certificates_issued": pgettext_lazy("audit log", "Training certificates issued"),
    "training_session.personal_data_deleted": pgettext_lazy(
        "audit log", "Personal data of the training session deleted"
    ),
    "training_registration.created": pgettext_lazy("audit log", "Registered for the training"),
    "training_roster.checked_in": pgettext_lazy("audit log", "Class attendance recorded"),
    "training_check.taken": pgettext_lazy("audit log", "Comprehension check taken"),
    "training_check.recorded": pgettext_lazy("audit log", "Class comprehension check recorded"),
    # certificates
    "certificate.issued": pgettext_lazy("audit log", "Certificate issued"),
    "certificate.revoked": pgettext_lazy("audit log", "Certificate revoked"),
    "certificate.deleted": pgettext_lazy("audit log", "Certificate deleted"),
    # people and accounts
    "authority.created": pgettext_lazy("audit log", "Authority created"),
    "staff.renamed": pgettext_lazy("audit log", "Name shown to citizens changed"),
    "staff.password_changed": pgettext_lazy("audit log", "Own password changed"),
    "staff.password_reset": pgettext_lazy("audit log", "Password reset by e-mail link"),
    "staff.invited": pgettext_lazy("audit log", "Official invited"),
    "staff.invitation_resent": pgettext_lazy("audit log", "Invitation sent again"),
    "staff.invitation_revoked": pgettext_lazy("audit log", "Invitation revoked"),
    "staff.invitation_accepted": pgettext_lazy("audit log", "Invitation accepted"),
    "staff.role_changed": pgettext_lazy("audit log", "Role changed"),
    "staff.deactivated": pgettext_lazy("audit log", "Account deactivated"),
    "staff.reactivated": pgettext_lazy("audit log", "Account activated again"),
}


def action_label(code: str) -> str:
    """The action in words, in the active language."""
    label = ACTION_LABELS.get(code)
    if label is not None:
        return str(label)
    return pgettext("audit log", "Other action (%(code)s)") % {"code": code}


def object_label(object_type: str) -> str:
    """The kind of the changed object in words: ``object_type`` is a model's ``model_name`` (the two
    ``registration`` models, of trainings and of events, share their name in words too)."""
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return str(model._meta.verbose_name)
    return object_type
