from django.contrib import admin

from buergerbuero.appointments.models import AppointmentSettings, BlockedSlot, Booking, BookingWindow


@admin.register(AppointmentSettings)
class AppointmentSettingsAdmin(admin.ModelAdmin):
    list_display = ["office", "enabled", "slot_minutes", "buffer_minutes", "capacity", "double_opt_in"]
    list_filter = ["enabled", "office__authority"]
    list_select_related = ["office"]
    autocomplete_fields = ["office"]


@admin.register(BookingWindow)
class BookingWindowAdmin(admin.ModelAdmin):
    list_display = ["office", "weekday", "start", "end"]
    list_filter = ["office__authority", "office", "weekday"]
    list_select_related = ["office"]
    autocomplete_fields = ["office"]


@admin.register(BlockedSlot)
class BlockedSlotAdmin(admin.ModelAdmin):
    list_display = ["office", "start", "blocked_by"]
    list_filter = ["office__authority", "office"]
    list_select_related = ["office", "blocked_by"]
    autocomplete_fields = ["office"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Bookings change only through the actions (mails, seats, audit): here they are read."""

    list_display = ["office", "start", "state", "booked_by", "created_at"]
    list_filter = ["state", "office__authority", "office"]
    date_hierarchy = "start"
    list_select_related = ["office", "booked_by"]
    exclude = ["token_salt", "manage_token_hash", "confirm_token_hash"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
