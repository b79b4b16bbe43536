from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "ecredit.lists"
    label = "lists"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "lists, objections and credit repair"
