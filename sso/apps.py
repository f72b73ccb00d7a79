from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "一号通"
    default_auto_field = "django.db.models.BigAutoField"
