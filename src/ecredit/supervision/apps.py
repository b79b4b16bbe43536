from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "ecredit.supervision"
    label = "supervision"
    verbose_name = "supervision (random inspections)"
    default_auto_field = "django.db.models.BigAutoField"
