from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tournevis.demo"
    label = "demo"
    verbose_name = "Demo data"
