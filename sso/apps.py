from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "一号通"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sso.handover import YihaotongHandover
        from volunteers.views import register_handovers

        register_handovers.append(YihaotongHandover())
