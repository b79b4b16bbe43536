from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "ecredit.credentials"
    label = "credentials"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "verifiable credit certificates"
