from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "buergerbuero.staff"
    verbose_name = _("Staff workspace")

    def ready(self) -> None:
        from buergerbuero.staff import signals

        signals.connect()
