from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "ecredit.measures"
    label = "measures"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "joint reward and punishment"
