from django.apps import AppConfig


class CardServiceConfig(AppConfig):
    name = "card_service"
    verbose_name = "注册志愿者证"
