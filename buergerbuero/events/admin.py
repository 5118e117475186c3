"""Events in the admin: for looking things up. Events are made and changed on the officials' pages
(/staff/events/), whose actions keep the room, the mails and the audit log in step, so both are
read-only here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from buergerbuero.events.models import Event, Registration


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = [
        "title",
        "authority",
        "office",
        "starts_at",
        "mode",
        "registration",
        "capacity",
        "cancelled_at",
    ]
    list_filter = ["authority", "mode", "registration"]
    search_fields = ["title"]
    exclude = ["invitation_salt", "invitation_token_hash", "hall_link_sealed"]


@admin.register(Registration)
class RegistrationAdmin(ReadOnly):
    list_display = ["event", "created_at", "cancelled_at", "cancelled_by"]
    list_filter = ["event__authority"]
    exclude = ["token_salt", "token_hash", "join_link_sealed", "name", "email"]
