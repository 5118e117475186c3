"""Group sessions in the admin: read mostly (rooms change through their pages and actions); the media
server's room secret is never shown."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from buergerbuero.rooms.models import Attendance, ChatMessage, Member, PresenceCheck, Room


class MemberInline(admin.TabularInline):
    model = Member
    fields = ("display_name", "role", "is_hall", "may_speak", "admitted_at", "removed_at", "removed_reason")
    readonly_fields = ("admitted_at", "removed_at", "removed_reason")
    extra = 0
    show_change_link = True


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("title", "authority", "kind", "mode", "state", "starts_at", "locked")
    list_filter = ("kind", "mode", "state", "authority")
    search_fields = ("title",)
    exclude = ("janus_secret",)
    readonly_fields = ("state", "started_at", "ended_at", "janus_instance", "janus_room", "stage")
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("display_name", "room", "role", "is_hall", "removed_at")
    list_filter = ("role", "is_hall")
    search_fields = ("display_name", "room__title")
    exclude = ("token_hash",)
    readonly_fields = ("room", "user", "hand_raised_at", "admitted_at", "removed_at", "removed_reason")


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("member", "joined_at", "left_at")
    readonly_fields = ("member", "joined_at", "left_at", "channel")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PresenceCheck)
class PresenceCheckAdmin(admin.ModelAdmin):
    list_display = ("room", "sent_at", "deadline_at")
    readonly_fields = ("room", "sent_at", "deadline_at")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ("room", "member", "sent_at", "deleted_at")
    readonly_fields = ("room", "member", "text", "sent_at", "deleted_at", "deleted_by")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
