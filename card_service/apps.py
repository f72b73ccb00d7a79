from django.apps import AppConfig


class CardServiceConfig(AppConfig):
    name = "card_service"
    verbose_name = "注册志愿者证"

    def ready(self) -> None:
        from bank_adapters.exchange import register_inbound
        from card_service import bank_events, services
        from volunteers.services import on_identity_corrected, on_verified

        on_verified.append(
            lambda volunteer_id: services.card_applications_release(volunteer_id=volunteer_id)
        )
        on_identity_corrected.append(
            lambda volunteer_id: services.card_application_identity_corrected(
                volunteer_id=volunteer_id
            )
        )
        register_inbound(
            "RESULT",
            lambda *, partner, record, source_ref: bank_events.apply_result(
                bank=partner, record=record, source_ref=source_ref
            ),
        )
        register_inbound(
            "EVENT",
            lambda *, partner, record, source_ref: bank_events.apply_event(
                bank=partner, record=record, source_ref=source_ref
            ),
        )
