from django.contrib import admin

from buergerbuero.certificates.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates are issued, revoked and deleted through the actions (audit, idempotency): here they
    are read. Officials revoke on /staff/certificates/."""

    list_display = ["identifier", "holder_name", "title", "held_on", "office", "issued_at", "revoked_at"]
    list_filter = ["office__authority", "office"]
    search_fields = ["identifier", "holder_name"]
    date_hierarchy = "issued_at"
    list_select_related = ["office"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
