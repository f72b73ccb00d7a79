"""``demo_exchange_setup``: demo keys, ``var/partners.toml`` and SFTP folders (idempotent).

Keys are generated once under ``var/keys/``; ``var/partners.toml`` is rewritten each run
(unless someone replaced it with a file of their own) with the demo servers' ports —
``DEMO_SFTP_BASE_PORT`` (default 22221) for BOC, +1 ICBC, +2 CEB, +3 UNF — and a ``00:00``
cut-off so that ``exchange_send_due`` sends at its first run of a working day."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from bank_adapters.simulator import demo


class Command(BaseCommand):
    help = "Set up the demo exchange: keys, var/partners.toml, SFTP folders (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--base-port", type=int, help="default: DEMO_SFTP_BASE_PORT or 22221")

    def handle(self, *args, base_port: int | None = None, **opts) -> None:
        layout = demo.DemoLayout(Path(settings.VAR_DIR))
        for line in demo.setup(layout, port=base_port or demo.base_port()):
            self.stdout.write(line)
        configured = Path(settings.CARD_PARTNERS_FILE).resolve()
        if configured != layout.partners_toml.resolve():
            self.stdout.write(
                self.style.WARNING(
                    f"CARD_PARTNERS_FILE is {configured}, not {layout.partners_toml}: "
                    "the service will not use the demo configuration"
                )
            )
        self.stdout.write(self.style.SUCCESS("demo exchange ready"))
