from django.contrib import admin

from buergerbuero.authorities.models import Authority, Staff


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "holiday_state"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "authority", "role", "availability"]
    list_filter = ["authority", "role", "availability"]
    search_fields = ["display_name", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "authority"]
