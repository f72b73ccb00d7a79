"""The demo loop: the four partner simulators against the demo SFTP servers.

``run(layout)`` starts one SFTP server per partner, then ticks every simulator every
``interval`` seconds until ``stop`` is set (SIGTERM/SIGINT in ``manage.py demo_partners``) or
``duration`` has passed, and stops the servers. A simulator that fails (server down, a file
it cannot read) logs it and tries again on the next tick. Logs carry file names, counts and
codes, never personal data; error texts go through ``core.masking.mask_text``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

import paramiko
from django.utils import timezone

from bank_adapters import codecs, partners
from bank_adapters.envelope import EnvelopeError
from bank_adapters.errors import FileFormatError
from bank_adapters.pki import DEMO_PARTNERS
from bank_adapters.simulator.bank import BankSimulator
from bank_adapters.simulator.demo import DemoLayout, DemoServer, start_server
from bank_adapters.simulator.partner_side import (
    LocalFolder,
    PartnerFolder,
    PartnerKeys,
    PartnerSide,
    SftpFolder,
)
from bank_adapters.simulator.uniform import UniformSimulator
from core.masking import mask_text

logger = logging.getLogger("bank_adapters.simulator")


class Simulator(Protocol):
    side: PartnerSide

    def tick(self, now) -> list[str]: ...


def partner_keys(layout: DemoLayout, code: str) -> PartnerKeys:
    """The partner's keys as the demo set-up wrote them."""
    return PartnerKeys.from_files(
        code,
        key=layout.key(code),
        cert=layout.cert(code),
        sign_key=layout.sign_key(code),
        sign_cert=layout.sign_cert(code),
        service_certs=[layout.cert("SVC"), layout.sign_cert("SVC")],
        service_encryption_cert=layout.cert("SVC"),
    )


def build_simulators(
    layout: DemoLayout,
    *,
    step_seconds: float,
    local: bool = False,
    reject_id_suffixes: Iterable[str] = (),
    codes: Iterable[str] = DEMO_PARTNERS,
) -> list[Simulator]:
    """One simulator per partner; SFTP with the partner's own key unless ``local``."""
    cfg = partners.load(str(layout.partners_toml))
    sims: list[Simulator] = []
    for code in codes:
        folder: PartnerFolder
        if local:
            folder = LocalFolder(layout.sftp_root(code))
        else:
            pcfg = cfg.partner(code)
            folder = SftpFolder(
                pcfg.host, pcfg.port, pcfg.user, layout.partner_ssh_key(code), pcfg.known_hosts
            )
        side = PartnerSide(partner_keys(layout, code), folder, layout.state_dir(code))
        if not codecs.PARTNERS[code].is_bank:
            sims.append(UniformSimulator(side, step_seconds=step_seconds))
        else:
            sims.append(
                BankSimulator(
                    code, side, step_seconds=step_seconds, reject_id_suffixes=reject_id_suffixes
                )
            )
    return sims


def tick_all(sims: Iterable[Simulator], now=None) -> list[str]:
    """One tick of every simulator; a failing one is logged and skipped."""
    now = now or timezone.now()
    written = []
    for sim in sims:
        try:
            written.extend(sim.tick(now))
        except (OSError, paramiko.SSHException, EOFError, EnvelopeError, FileFormatError) as exc:
            sim.side.close()  # reconnect next time
            logger.warning(
                "%s simulator: %s: %s",
                sim.side.code,
                type(exc).__name__,
                mask_text(str(getattr(exc, "message", exc))),
            )
    return written


def start_servers(layout: DemoLayout, *, kind: str = "auto") -> list[DemoServer]:
    cfg = partners.load(str(layout.partners_toml))
    servers = []
    try:
        for code in DEMO_PARTNERS:
            server = start_server(layout, code, cfg.partner(code).port, kind=kind)
            servers.append(server)
            logger.info(
                "%s: %s SFTP server on 127.0.0.1:%d serving %s",
                code,
                server.kind,
                server.port,
                layout.sftp_root(code),
            )
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def run(
    layout: DemoLayout,
    *,
    stop: threading.Event,
    interval: float = 5.0,
    step_seconds: float = 30.0,
    duration: float | None = None,
    server_kind: str = "auto",
    local: bool = False,
    reject_id_suffixes: Iterable[str] = (),
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Serve and simulate until ``stop`` is set or ``duration`` seconds have passed."""
    servers = start_servers(layout, kind=server_kind) if server_kind != "none" else []
    sims = build_simulators(
        layout, step_seconds=step_seconds, local=local, reject_id_suffixes=reject_id_suffixes
    )
    logger.info(
        "partner simulators running: tick every %ss, one card step every %ss",
        interval,
        step_seconds,
    )
    started = clock()
    try:
        while not stop.is_set():
            tick_all(sims)
            if duration is not None and clock() - started >= duration:
                break
            stop.wait(interval)
    finally:
        for sim in sims:
            sim.side.close()
        for server in servers:
            server.stop()
        logger.info("partner simulators stopped")
