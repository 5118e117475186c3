"""The status widget: a small page made to be framed by the authority's own websites (docs/status-api.md).

It shows what the overview shows (reusing its office cards and live module's socket), complete without
script. It is the only page that may be framed, and only by ``Authority.embed_origins``: every other page
keeps ``frame-ancestors 'none'`` and X-Frame-Options: DENY (core.middleware).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from buergerbuero.authorities.models import Authority
from buergerbuero.core.middleware import policy_with_frame_ancestors
from buergerbuero.offices.selectors import office_states
from buergerbuero.public import pages

LINK_TARGETS = {"top": "_top", "new": "_blank"}


def _language(request: HttpRequest) -> str:
    # German unless the embedding page asks otherwise: the widget follows the host page's language,
    # not the visitor's browser, so it never reads in another language than the page around it.
    lang = request.GET.get("lang", "")
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _wait_templates() -> dict[str, str]:
    # German and English have two plural forms, chosen in widget-frame.js by n == 1; the page loads no
    # JavaScript catalog (it would be most of the widget's weight).
    return {
        "none": _("none"),
        "one": ngettext("about %(minutes)s minute", "about %(minutes)s minutes", 1),
        "other": ngettext("about %(minutes)s minute", "about %(minutes)s minutes", 2),
    }


@require_safe
@xframe_options_exempt  # framing is governed by the frame-ancestors policy set below
def widget(request: HttpRequest, authority_slug: str) -> HttpResponse:
    authority = get_object_or_404(Authority, slug=authority_slug)
    wanted = [slug for slug in request.GET.getlist("office") if slug]
    offices = pages.offices_of(authority)
    if wanted:
        offices = offices.filter(slug__in=wanted)
    target = LINK_TARGETS.get(request.GET.get("links", ""), "_top")
    lang = _language(request)
    with translation.override(lang):
        now = timezone.now()
        shown = list(offices)
        states = office_states(shown)
        cards = [pages.office_info(office, now, states[office.pk]) for office in shown]
        live = pages.live_config(
            authority,
            wait=_wait_templates(),
            announce=_("%(office)s: %(state)s"),
        )
        context = {
            "authority": authority,
            "cards": cards,
            "live": live,
            "lang": lang,
            "link_target": target,
            "overview_url": reverse("public:overview", args=[authority.slug]),
        }
        response = render(request, "public/widget.html", context)
    response["Content-Language"] = lang
    response["Content-Security-Policy"] = policy_with_frame_ancestors(authority.embed_origin_list)
    # Rendered per request with the live figures; the socket keeps it current after that.
    response["Cache-Control"] = "no-cache"
    return response
