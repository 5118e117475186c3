from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitingroomConfig(AppConfig):
    name = "buergerbuero.waitingroom"
    verbose_name = _("Waiting area")

    def ready(self) -> None:
        # offices is below the waiting room and imports nothing of it: the office's live state counts
        # the people waiting, and the last official's close ends their places, through these. (Imported
        # here, not at the top: modules with models load only once the apps are ready.)
        from buergerbuero.offices import actions as office_actions
        from buergerbuero.offices import selectors as office_selectors
        from buergerbuero.waitingroom.actions import end_waiting_on_close
        from buergerbuero.waitingroom.selectors import waiting_counts

        office_selectors.live_sources.waiting = waiting_counts
        office_actions.on_close[self.label] = end_waiting_on_close
