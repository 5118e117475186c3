from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from buergerbuero.offices.models import Assignment, Closure, Department, Office, OpeningInterval


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "authority"]
    list_filter = ["authority"]
    search_fields = ["name"]


class OpeningIntervalInline(admin.TabularInline):
    model = OpeningInterval
    extra = 0


class AssignmentFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        office = self.instance  # the office being edited, saved or not yet
        for form in self.forms:
            cleaned = getattr(form, "cleaned_data", None) or {}
            staff = cleaned.get("staff")
            if staff is None or cleaned.get("DELETE"):
                continue
            # Tenants never mix: an official works only in offices of their own authority.
            if office.authority_id and staff.authority_id != office.authority_id:
                form.add_error("staff", _("This official belongs to another authority."))


class AssignmentInline(admin.TabularInline):
    model = Assignment
    formset = AssignmentFormSet
    extra = 0
    autocomplete_fields = ["staff"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "authority", "department", "slug", "max_queue_length", "archived_at"]
    list_filter = ["authority", "department", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # Archiving is an action of its own (offices.actions.archive_office: refused while the office is
    # open, audited); the authority's staff pages do it.
    readonly_fields = ["archived_at"]
    inlines = [OpeningIntervalInline, AssignmentInline]
    list_select_related = ["authority", "department"]

    def get_form(
        self, request: HttpRequest, obj: Office | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        department = form.base_fields.get("department")
        if isinstance(department, forms.ModelChoiceField) and obj is not None:
            department.queryset = Department.objects.filter(authority_id=obj.authority_id)
        return form


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["authority", "office", "date", "end_date", "reason"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        authority, office = cleaned.get("authority"), cleaned.get("office")
        if authority is not None and office is not None and office.authority_id != authority.pk:
            raise forms.ValidationError(_("This office belongs to another authority."))
        return cleaned


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    form = ClosureForm
    list_display = ["date", "end_date", "authority", "office", "reason"]
    list_filter = ["authority"]
    date_hierarchy = "date"
    list_select_related = ["authority", "office"]
