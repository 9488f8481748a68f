from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "tournevis.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from tournevis.core import events
        from tournevis.workorders import handlers

        events.subscribe("stock.transfer_received", handlers.transfer_received)
        events.subscribe("stock.transfer_cancelled", handlers.transfer_cancelled)
