from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from buergerbuero.audit.labels import action_label, object_label
from buergerbuero.audit.models import AuditEntry


class ActionFilter(admin.SimpleListFilter):
    """The actions that occur in the log, by their labels (the codes stay in the query string)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        codes = model_admin.get_queryset(request).order_by().values_list("action", flat=True).distinct()
        return sorted(((code, action_label(code)) for code in codes), key=lambda choice: choice[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(action=self.value()) if self.value() else queryset


class ObjectTypeFilter(admin.SimpleListFilter):
    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        types = model_admin.get_queryset(request).order_by().values_list("object_type", flat=True).distinct()
        return sorted(((kind, object_label(kind)) for kind in types), key=lambda choice: choice[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is written only by actions; here it can be read, never changed. Actions and object
    types are shown in words (audit.labels); the codes remain searchable."""

    list_display = ["at", "authority", "action_text", "object_text", "object_id", "actor"]
    list_filter = ("authority", ActionFilter, ObjectTypeFilter)
    search_fields = ["action", "object_type"]
    date_hierarchy = "at"
    list_select_related = ["authority", "actor"]
    fields = ("at", "authority", "action_text", "actor", "object_text", "object_id", "data")
    readonly_fields = fields

    @admin.display(description=_("action"), ordering="action")
    def action_text(self, entry: AuditEntry) -> str:
        return entry.action_label()

    @admin.display(description=_("object type"), ordering="object_type")
    def object_text(self, entry: AuditEntry) -> str:
        return entry.object_label()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
