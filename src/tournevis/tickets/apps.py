from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tournevis.tickets"
    label = "tickets"
    verbose_name = _("Tickets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # contracts validates escalation rules that name a queue, but cannot import tickets (below it)
        from tournevis.contracts import services_escalations
        from tournevis.tickets.models import Queue

        services_escalations.set_queue_check(lambda code: Queue.objects.filter(code=code).exists())
