from django.apps import AppConfig


class OrgConsoleConfig(AppConfig):
    name = "org_console"
    verbose_name = "组织管理后台"
