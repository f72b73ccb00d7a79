"""``exchange send|receive|status|retry [--partner X]``: the exchange by hand.

``send`` prepares whatever waits now (whatever the cut-off) and delivers every file the
registry shows as not yet delivered, so after an outage one ``exchange send`` catches up.
``status`` counts per partner the files refused (opened, but the format is wrong) apart from
those quarantined (forged or damaged envelope, or a known name with new bytes); ``retry``
re-runs either kind from its stored copy once the cause is fixed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from django.utils import timezone
from tqdm import tqdm

from bank_adapters import exchange, partners
from bank_adapters.models import PartnerFile
from bank_adapters.progress import exchange_progress_tracked
from bank_adapters.selectors import exchange_status
from core.errors import ServiceError

_RETRY_OUTCOMES = {
    "applied": "applied",
    "refused": "refused again: the file breaks the format (see alerts)",
    "dropped": "refused again for a full card number: its bytes were deleted (see alerts)",
    "quarantined": "quarantined again: the envelope still fails (see alerts)",
}


class Command(BaseCommand):
    help = "Send to, receive from, or show the state of the partners' SFTP exchange."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["send", "receive", "status", "retry"])
        parser.add_argument("--partner", choices=partners.PARTNER_CODES)
        parser.add_argument(
            "--file-id", type=int, help="with retry: the refused or quarantined file to re-run"
        )

    def _partners(self, code: str | None) -> list[str]:
        cfg = partners.load()
        if code:
            cfg.partner(code)
            return [code]
        return [p.code for p in cfg.enabled_partners()]

    def handle(self, *args, action: str, partner: str | None, file_id: int | None, **opts) -> None:
        try:
            if action == "status":
                self._status(partner)
            elif action == "retry":
                if not file_id:
                    raise CommandError("retry needs --file-id")
                outcome = exchange.retry_file(file_id)
                self.stdout.write(_RETRY_OUTCOMES[outcome])
            elif action == "send":
                for code in self._partners(partner):
                    for file_type in exchange._outbound_types(code):
                        batch = exchange.prepare(code, file_type)
                        if batch:
                            self.stdout.write(
                                f"{code}: prepared {batch} ({batch.record_count} records)"
                            )
                    pending = PartnerFile.objects.filter(
                        partner=code, direction="out", state=PartnerFile.State.PREPARED
                    ).count()
                    with tqdm(total=pending, desc=f"{code} upload", disable=pending < 2) as bar:
                        with exchange_progress_tracked(code, "out", also=bar.update) as step:
                            report = exchange.deliver(code, progress=step)
                    self.stdout.write(
                        f"{code}: delivered {len(report.delivered)}, already there {len(report.already_there)}"
                    )
                    if report.busy:
                        self.stdout.write(
                            f"{code}: 另一个发送进程正在上传 {report.busy[0]}，其余文件由它继续发送 "
                            f"(another send is running: it is uploading {report.busy[0]})"
                        )
            else:
                for code in self._partners(partner):
                    with tqdm(desc=f"{code} download", unit="file") as bar:
                        with exchange_progress_tracked(code, "in", also=bar.update) as step:
                            r = exchange.receive(code, progress=step)
                    self.stdout.write(
                        f"{code}: applied {len(r.applied)}, skipped {len(r.skipped)}, "
                        f"refused {len(r.refused)}, quarantined {len(r.quarantined)}"
                    )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        except OperationalError as exc:
            # SQLite: another process kept the database's write lock past the busy timeout.
            if "locked" not in str(exc):
                raise
            raise CommandError(
                "数据库正被另一个进程（可能是另一个发送任务）占用，请稍后重试 "
                "(the database is busy: another send may be running; try again later)"
            ) from exc

    def _status(self, code: str | None) -> None:
        for row in exchange_status(now=timezone.now()):
            if code and row["partner"] != code:
                continue
            self.stdout.write(
                f"{row['partner']:5} enabled={row['enabled']} last send={row['last_send'] or '-'} "
                f"last receive={row['last_receive'] or '-'} next cut-off={row['next_cutoff'] or '-'} "
                f"pending={row['pending_out']} refused={row['refused_in']} "
                f"quarantined={row['quarantined_in']} open alerts={row['open_alerts']}"
            )
