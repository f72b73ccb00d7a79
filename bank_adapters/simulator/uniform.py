"""``UniformSimulator``: the uniform maker's side (ORDER in, STATUS out), for the demo.

Each order moves one step per tick once ``step_seconds`` have passed since the last:
``PRODUCING`` → ``SHIPPED`` (with a tracking number) → ``DELIVERED``, or ``RETURNED`` instead
of ``DELIVERED`` when the order's mail address contains 退回 (the demo's way to show a
returned parcel). The steps of one tick go out in one STATUS file. State (order numbers,
steps, whether the parcel will come back, and the STATUS files decided but not yet written:
``partner_side.Outbox``) is in ``state.json``; no address is kept. A failed write goes out
at the next tick with the same statuses; no order moves twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from bank_adapters.envelope import EnvelopeError
from bank_adapters.errors import FileFormatError
from bank_adapters.fields import SHANGHAI
from bank_adapters.records import OrderRecord, StatusRecord
from bank_adapters.simulator.partner_side import JsonState, Outbox, PartnerSide

logger = logging.getLogger(__name__)

RETURN_MARKER = "退回"


class UniformSimulator:
    """The uniform maker: takes ORDER files, reports production and delivery."""

    def __init__(
        self, side: PartnerSide, *, step_seconds: float = 30.0, rng: random.Random | None = None
    ) -> None:
        if side.code != "UNF":
            raise ValueError("the uniform simulator is partner UNF")
        self.side = side
        self.step = dt.timedelta(seconds=step_seconds)
        self.rng = rng or random.SystemRandom()
        self._load_state()

    def _load_state(self) -> None:
        self.state = JsonState(self.side.state_dir / "state.json", {"orders": {}, "outbox": []})
        self.outbox = Outbox(self.state, self.side)

    def tick(self, now: dt.datetime) -> list[str]:
        """Write what an earlier tick could not, take new ORDER files, then move due orders
        on; returns the names written."""
        try:
            return self._tick(now)
        except BaseException:
            self._load_state()  # the saved state is the truth; forget this tick's changes
            raise

    def _tick(self, now: dt.datetime) -> list[str]:
        now = now.astimezone(SHANGHAI).replace(microsecond=0)
        written = [name for name, _ in self.outbox.flush()]
        orders = self.state.data["orders"]
        for parsed in self.side.new_files("ORDER"):
            name = str(parsed)
            try:
                _, records = self.side.decode(name, self.side.open(name))
            except (EnvelopeError, FileFormatError) as exc:
                logger.warning("%s refused: %s", name, getattr(exc, "message", exc))
                self.side.mark_seen(name)
                continue
            for rec in records:
                assert isinstance(rec, OrderRecord)
                orders.setdefault(
                    rec.order_no,
                    {
                        "step": 0,
                        "returns": RETURN_MARKER in rec.mail_address,
                        "tracking_no": None,
                        "next_at": now.isoformat(),
                    },
                )
            self.state.save()
            self.side.mark_seen(name)
            logger.info("%s: %d orders taken", name, len(records))

        statuses = []
        for order_no, order in orders.items():
            if order["step"] >= 3 or dt.datetime.fromisoformat(order["next_at"]) > now:
                continue
            if order["step"] == 0:
                status = "PRODUCING"
            elif order["step"] == 1:
                status = "SHIPPED"
                order["tracking_no"] = "YT" + "".join(
                    str(self.rng.randrange(10)) for _ in range(13)
                )
            else:
                status = "RETURNED" if order["returns"] else "DELIVERED"
            statuses.append(
                StatusRecord(
                    order_no=order_no,
                    status=status,
                    status_time=now,
                    tracking_no=order["tracking_no"] if status != "PRODUCING" else None,
                )
            )
            order["step"] += 1
            order["next_at"] = (now + self.step).isoformat()
        if not statuses:
            return written
        self.outbox.add("STATUS", statuses, now=now)
        self.state.save()
        out = [name for name, _ in self.outbox.flush()]
        logger.info(
            "UNF: %d statuses (%s) → %s",
            len(statuses),
            ", ".join(sorted({s.status for s in statuses})),
            ", ".join(out),
        )
        return written + out
