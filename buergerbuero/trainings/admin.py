"""Admin for trainings: types with their check, materials and sessions are edited on the staff pages
(/staff/trainings/); here they can be looked at and corrected. Registrations are read-only: they change
only through the actions (capacity, the room's members, audit)."""

from django.contrib import admin

from buergerbuero.trainings.models import (
    Choice,
    Material,
    Pupil,
    Question,
    Registration,
    TrainingSession,
    TrainingType,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(TrainingType)
class TrainingTypeAdmin(admin.ModelAdmin):
    list_display = ["title", "office", "duration_minutes", "required_attendance_percent"]
    list_filter = ["authority", "office"]
    list_select_related = ["office"]
    search_fields = ["title"]
    inlines = [QuestionInline]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "training_type", "position"]
    list_filter = ["training_type__authority"]
    inlines = [ChoiceInline]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["title", "training_type", "kind", "created_at"]
    list_filter = ["kind", "training_type__authority"]
    readonly_fields = ["file", "kind", "content_type"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["training_type", "starts_at", "capacity", "completion_computed_at"]
    list_filter = ["training_type__authority"]
    list_select_related = ["training_type"]
    readonly_fields = ["room", "completion_computed_at", "personal_data_deleted_at"]


PUPIL_FIELDS = (
    "name",
    "birth_date",
    "minor",
    "guardian_consent",
    "checked_in_at",
    "check_passed",
    "completed",
)


class PupilInline(admin.TabularInline):
    model = Pupil
    extra = 0
    can_delete = False
    fields = PUPIL_FIELDS
    readonly_fields = PUPIL_FIELDS


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "session", "seats", "completed"]
    list_filter = ["kind", "session__training_type__authority"]
    list_select_related = ["session__training_type"]
    inlines = [PupilInline]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
