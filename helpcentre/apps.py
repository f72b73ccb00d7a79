from django.apps import AppConfig


class HelpcentreConfig(AppConfig):
    name = "helpcentre"
    verbose_name = "帮助中心"
