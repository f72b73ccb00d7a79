from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "insurance"
    verbose_name = "意外保险"

    def ready(self) -> None:
        from bank_adapters.exchange import register_inbound, register_outbound
        from card_service.lifecycle import CARD_MOVED
        from insurance import exchange, services

        CARD_MOVED.connect(
            services.coverage_on_card_transition, many=services.coverage_on_card_transitions
        )
        register_outbound(exchange.SERVICE_FILE)
        register_inbound(exchange.POLICY_FILE)
