from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tournevis.core"
    label = "core"
    verbose_name = "Core"
