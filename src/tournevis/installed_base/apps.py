from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstalledBaseConfig(AppConfig):
    name = "tournevis.installed_base"
    label = "installed_base"
    verbose_name = _("Installed base")
