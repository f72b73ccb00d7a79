from django.apps import AppConfig


class UniformsConfig(AppConfig):
    name = "uniforms"
    verbose_name = "实名服装"

    def ready(self) -> None:
        from bank_adapters.exchange import Outbound, register_inbound, register_outbound
        from card_service.bank_events import on_first_spend
        from uniforms import exchange, services

        if services.uniform_order_on_first_spend not in on_first_spend:
            on_first_spend.append(services.uniform_order_on_first_spend)
        register_outbound(Outbound("ORDER", exchange.claim_orders))
        register_inbound("STATUS", exchange.apply_status)
