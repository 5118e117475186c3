"""The authority's settings page (/staff/authority/settings/), for its administrators: name, brand colour,
the links of the legal pages, the federal state of its holidays and the websites that may embed the status
widget. The page edits the administrator's own authority; there is no id in the address to reach
another."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from buergerbuero.authorities.access import admin_required
from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.authorities.settings_actions import update_settings
from buergerbuero.authorities.settings_forms import SettingsForm
from buergerbuero.core.errors import ActionError


@require_http_methods(["GET", "POST"])
@admin_required
def settings(request: HttpRequest, staff: Staff) -> HttpResponse:
    authority = Authority.objects.get(pk=staff.authority_id)
    if request.method != "POST":
        return _render(request, staff, SettingsForm(instance=authority))
    form = SettingsForm(request.POST, instance=authority)
    if not form.is_valid():
        return _render(request, staff, form, status=400)
    try:
        update_settings(Authority.objects.get(pk=staff.authority_id), actor=staff, **form.cleaned_data)
    except ActionError as error:
        form.add_error(None, error.message)
        return _render(request, staff, form, status=400)
    messages.success(request, _("The settings have been saved."))
    return redirect("staff_authority:settings")


def _render(request: HttpRequest, staff: Staff, form: SettingsForm, status: int = 200) -> HttpResponse:
    context = {"staff": staff, "authority": staff.authority, "form": form}
    return render(request, "authorities/staff/settings.html", context, status=status)
