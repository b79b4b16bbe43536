from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ecredit.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"
