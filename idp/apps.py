from django.apps import AppConfig


class IdpConfig(AppConfig):
    name = "idp"
    verbose_name = "一号通（演示身份提供方）"
