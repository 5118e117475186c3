from django.contrib import admin
from django.http import HttpRequest

from buergerbuero.waitingroom.models import Ticket, TicketTransition

TRANSITION_FIELDS: tuple[str, ...] = (
    "at",
    "from_state",
    "to_state",
    "actor",
)
TICKET_FIELDS: tuple[str, ...] = (
    "office",
    "state",
    "display_name",
    "concern",
    "language",
    "priority",
    "enqueued_at",
    "created_at",
    "state_changed_at",
    "disconnected_at",
    "returned",
    "transferred_from",
    "transfer_note",
    "decline_message",
    "rating",
    "personal_data_deleted",
)


class TicketTransitionInline(admin.TabularInline):
    model = TicketTransition
    fk_name = "ticket"
    extra = 0
    fields = TRANSITION_FIELDS
    readonly_fields = TRANSITION_FIELDS
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Tickets change only through actions (waitingroom.actions, calls.actions); here they are read.
    The secret token's hash and the page connection are not shown."""

    list_display = ["id", "office", "state", "created_at", "state_changed_at", "returned", "rating"]
    list_filter = ["state", "office__authority", "office"]
    date_hierarchy = "created_at"
    list_select_related = ["office"]
    fields = TICKET_FIELDS
    readonly_fields = TICKET_FIELDS
    inlines = [TicketTransitionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False
