from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "insurance"
    verbose_name = "意外保险"

    def ready(self) -> None:
        from bank_adapters.exchange import Outbound, register_inbound, register_outbound
        from insurance import exchange, services

        register_inbound(
            "POLICY",
            lambda *, partner, record, source_ref: services.policy_record_apply(
                bank=partner, record=record, source_ref=source_ref
            ),
        )
        register_outbound(Outbound(exchange.FILE_TYPE, exchange.claim_service))

        from card_service.lifecycle import _after_commit_hooks, on_transition

        if services.coverage_on_card_transition not in _after_commit_hooks:
            on_transition(services.coverage_on_card_transition)
