from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "ecredit.console"
    label = "console"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "regulator console"
