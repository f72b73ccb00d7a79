from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "insurance"
    verbose_name = "意外保险"

    def ready(self) -> None:
        from bank_adapters.exchange import register_inbound
        from insurance import services

        register_inbound(
            "POLICY",
            lambda *, partner, record, source_ref: services.policy_record_apply(
                bank=partner, record=record, source_ref=source_ref
            ),
        )
