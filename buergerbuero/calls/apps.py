from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "buergerbuero.calls"
    verbose_name = _("Consultations")

    def ready(self) -> None:
        # offices is below the calls and imports nothing of them: the office's live state asks them
        # who is in a consultation and how long consultations take. (Imported here, not at the top:
        # modules with models load only once the apps are ready.)
        from buergerbuero.calls.selectors import in_consultation, median_service_seconds_of
        from buergerbuero.offices import selectors as office_selectors

        office_selectors.live_sources.in_consultation = in_consultation
        office_selectors.live_sources.service_seconds = median_service_seconds_of
