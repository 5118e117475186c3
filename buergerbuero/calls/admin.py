from django.contrib import admin
from django.http import HttpRequest

from buergerbuero.calls.models import Consultation, Participant

PARTICIPANT_FIELDS: tuple[str, ...] = (
    "role",
    "staff",
    "invited_at",
    "joined_at",
    "left_at",
)
CONSULTATION_FIELDS: tuple[str, ...] = (
    "office",
    "ticket",
    "started_at",
    "connected_at",
    "ended_at",
    "end_reason",
)


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = PARTICIPANT_FIELDS
    readonly_fields = PARTICIPANT_FIELDS
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Consultation | None = None) -> bool:
        return False


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    """Consultations change only through calls.actions; here they are read."""

    list_display = ["id", "office", "started_at", "connected_at", "ended_at", "end_reason"]
    list_filter = ["end_reason", "office__authority", "office"]
    date_hierarchy = "started_at"
    list_select_related = ["office"]
    fields = CONSULTATION_FIELDS
    readonly_fields = CONSULTATION_FIELDS
    inlines = [ParticipantInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Consultation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Consultation | None = None) -> bool:
        return False
