from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Authority, Staff


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "holiday_state"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "logo_url", "colour", "holiday_state"]}),
        (_("Legal information"), {"fields": ["imprint_url", "privacy_url", "accessibility_url"]}),
        (_("Status widget and status API"), {"fields": ["embed_origins"]}),
    ]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "authority", "role", "availability"]
    list_filter = ["authority", "role", "availability"]
    search_fields = ["display_name", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "authority"]
