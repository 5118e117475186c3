from django import forms
from django.contrib import admin
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


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["staff", "is_lead"]

    def clean(self):  # noqa: ANN201 - as in the parent
        cleaned = super().clean()
        staff = cleaned.get("staff")
        office = getattr(self.instance, "office", None)  # the inline formset sets it, saved or not
        # Tenants never mix: an official works only in offices of their own authority.
        if staff is not None and office is not None and office.authority_id and staff.authority_id != office.authority_id:
            raise forms.ValidationError(_("This official belongs to another authority."))
        return cleaned


class AssignmentInline(admin.TabularInline):
    model = Assignment
    form = AssignmentForm
    extra = 0
    autocomplete_fields = ["staff"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "authority", "department", "slug", "max_queue_length"]
    list_filter = ["authority", "department"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningIntervalInline, AssignmentInline]
    list_select_related = ["authority", "department"]

    def get_form(self, request, obj=None, **kwargs):  # noqa: ANN001, ANN201 - as in the parent
        form = super().get_form(request, obj, **kwargs)
        department = form.base_fields.get("department")
        if department is not None and obj is not None:
            department.queryset = Department.objects.filter(authority_id=obj.authority_id)
        return form


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["authority", "office", "date", "reason"]

    def clean(self):  # noqa: ANN201 - as in the parent
        cleaned = super().clean()
        authority, office = cleaned.get("authority"), cleaned.get("office")
        if authority is not None and office is not None and office.authority_id != authority.pk:
            raise forms.ValidationError(_("This office belongs to another authority."))
        return cleaned


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    form = ClosureForm
    list_display = ["date", "authority", "office", "reason"]
    list_filter = ["authority"]
    date_hierarchy = "date"
    list_select_related = ["authority", "office"]
