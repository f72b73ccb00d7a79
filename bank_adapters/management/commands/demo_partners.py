"""``demo_partners``: the demo SFTP servers and the four partner simulators, until stopped.

Run ``demo_exchange_setup`` first. Stops on SIGTERM or Ctrl-C (and after ``--duration``
seconds if given). ``bin/demo`` runs it in the background, logging to var/log/partners.log.

Test identities: a volunteer whose surname pinyin is ``REJECT`` is refused with reason 1001
(identity not verified), as is any ID number ending in one of ``--reject-id-suffix``
(repeatable, or ``DEMO_REJECT_ID_SUFFIXES``, comma-separated); a uniform order whose address
contains 退回 comes back RETURNED."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bank_adapters.partners import ConfigError
from bank_adapters.simulator.demo import DemoLayout
from bank_adapters.simulator.run import run


class Command(BaseCommand):
    help = "Run the demo partner SFTP servers and bank/uniform simulators until stopped."

    def add_arguments(self, parser) -> None:
        env = os.environ.get
        parser.add_argument(
            "--interval", type=float, default=float(env("DEMO_PARTNER_INTERVAL", "5")),
            help="seconds between ticks (default 5, DEMO_PARTNER_INTERVAL)",
        )  # fmt: skip
        parser.add_argument(
            "--step-seconds", type=float, default=float(env("DEMO_PARTNER_STEP_SECONDS", "30")),
            help="seconds between a card's steps (default 30, DEMO_PARTNER_STEP_SECONDS)",
        )  # fmt: skip
        parser.add_argument("--duration", type=float, help="stop after this many seconds")
        parser.add_argument(
            "--server", choices=["auto", "openssh", "paramiko", "none"], default="auto",
            help="SFTP server: OpenSSH if installed (auto), paramiko, or none (already running)",
        )  # fmt: skip
        parser.add_argument(
            "--local", action="store_true",
            help="simulators use the folders directly instead of logging in over SFTP",
        )  # fmt: skip
        parser.add_argument(
            "--reject-id-suffix", action="append",
            default=[s for s in env("DEMO_REJECT_ID_SUFFIXES", "").split(",") if s],
        )  # fmt: skip

    def handle(self, *args, **opts) -> None:
        layout = DemoLayout(Path(settings.VAR_DIR))
        if not layout.partners_toml.exists():
            raise CommandError("var/partners.toml is missing: run manage.py demo_exchange_setup")
        # One line per connection from paramiko would drown what the simulators do.
        logging.getLogger("paramiko").setLevel(logging.WARNING)
        stop = threading.Event()

        def on_signal(signum, frame) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            run(
                layout,
                stop=stop,
                interval=opts["interval"],
                step_seconds=opts["step_seconds"],
                duration=opts["duration"],
                server_kind=opts["server"],
                local=opts["local"],
                reject_id_suffixes=opts["reject_id_suffix"],
            )
        except (ConfigError, RuntimeError, OSError) as exc:
            raise CommandError(str(exc)) from exc
