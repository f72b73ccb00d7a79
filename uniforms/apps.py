from django.apps import AppConfig


class UniformsConfig(AppConfig):
    name = "uniforms"
    verbose_name = "实名服装"

    def ready(self) -> None:
        from bank_adapters.exchange import register_inbound, register_outbound
        from card_service.bank_events import FIRST_SPEND
        from uniforms import exchange, services

        FIRST_SPEND.connect(services.uniform_order_on_first_spend)
        register_outbound(exchange.ORDER_FILE)
        register_inbound(exchange.STATUS_FILE)
