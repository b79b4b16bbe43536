from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ecredit.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "credit reports and consents"
