from django.apps import AppConfig


class CardServiceConfig(AppConfig):
    name = "card_service"
    verbose_name = "注册志愿者证"

    def ready(self) -> None:
        from bank_adapters.exchange import register_inbound, register_outbound
        from card_service import exchange, services
        from volunteers.services import VOLUNTEER_IDENTITY_CORRECTED, VOLUNTEER_VERIFIED

        VOLUNTEER_VERIFIED.connect(services.card_applications_release)
        VOLUNTEER_IDENTITY_CORRECTED.connect(services.card_application_identity_corrected)
        register_outbound(exchange.APPLY_FILE)
        register_inbound(exchange.RESULT_FILE)
        register_inbound(exchange.EVENT_FILE)
