from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    name = "buergerbuero.offices"
    verbose_name = _("Offices")

    def ready(self) -> None:
        # The audit log sits below offices and imports nothing of it: its page names offices through
        # this (audit.sources). Imported here: modules with models load only once the apps are ready.
        from buergerbuero.audit.sources import sources
        from buergerbuero.offices.selectors import office_names

        sources.office_names = office_names
