from django.contrib import admin
from django.http import HttpRequest

from buergerbuero.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is written only by actions; here it can be read, never changed."""

    list_display = ["at", "authority", "action", "object_type", "object_id", "actor"]
    list_filter = ["authority", "action", "object_type"]
    search_fields = ["action", "object_type"]
    date_hierarchy = "at"
    list_select_related = ["authority", "actor"]
    readonly_fields = ["at", "authority", "action", "actor", "object_type", "object_id", "data"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
