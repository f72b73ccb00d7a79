"""``BankSimulator``: a bank's side of the exchange, for the demo and the end-to-end tests.

On each ``tick(now)``:

1. every new ``APPLY`` file (with its ``PHOTO`` archive of the same date and SEQ) is opened
   and decided, and one ``RESULT`` file answers it;
2. every accepted card moves one step along its timeline when its step is due, and the
   steps of the tick go out in one ``EVENT`` file (and a ``POLICY`` file on activation).

Decisions (the rule the demo and the tests rely on):

- ``1005`` photo unusable: ``{application_no}.jpg`` missing from the archive, or its
  SHA-256 differs from the APPLY record's ``photo_sha256``;
- ``1001`` identity could not be verified: ``surname_pinyin`` is one of
  ``reject_surnames`` (default ``REJECT``), or ``id_number`` ends in one of
  ``reject_id_suffixes`` (default none);
- otherwise accepted: ``card_ref`` 20 random hex digits, ``masked_pan`` a plausible BIN of
  the bank and product, six ``*`` and 4 random digits (a full number never exists here),
  ``expected_ready_date`` 35 days on.

Timeline, one step per tick once ``step_seconds`` have passed since the last (the first
step only once the service has moved the card's RESULT file to ``from_partner/done/``):
``PRODUCED`` → ``AT_BRANCH`` (debit, detail the branch code) or ``MAILED`` (credit, detail a
tracking number) → ``COLLECTED`` (debit) → ``ACTIVATED`` (+ a POLICY, one year of cover) →
``FIRST_SPEND`` → ``SPENDS`` once per later day (detail the count).

State (cards and their steps, counters, and the files decided but not yet written) lives
in ``state.json`` in the state folder, so a restart continues where it stopped. Each tick
saves what it decided before it writes the files (``partner_side.Outbox``): a file that could
not be written goes out at the next tick with the same records, and no card is answered,
moved on or insured a second time, after a failed write, a restart or an APPLY that names an
application the bank already accepted. The state holds no personal data: the APPLY records
are read, decided and forgotten, except for the branch code and delivery of accepted cards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import random
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from bank_adapters import codecs
from bank_adapters.envelope import EnvelopeError
from bank_adapters.errors import FileFormatError
from bank_adapters.fields import SHANGHAI
from bank_adapters.records import ApplyRecord, EventRecord, PolicyRecord, ResultRecord
from bank_adapters.simulator.partner_side import JsonState, Outbox, PartnerSide

logger = logging.getLogger(__name__)

# Plausible issuer prefixes (first 6 digits) per bank and product (D debit, C credit).
BINS = {
    "BOC": {"D": "621661", "C": "625907"},
    "ICBC": {"D": "622202", "C": "625330"},
    "CEB": {"D": "622660", "C": "625978"},
}
INSURERS = {"BOC": "BOCINS", "ICBC": "ICBCAXA", "CEB": "SUNLIFE"}
READY_DAYS = 35
REJECT_TEXT = {
    "1001": "身份信息核验未通过（模拟银行）",
    "1005": "证件照缺失或与申请记录不符（模拟银行）",
}

# The steps after acceptance, by delivery (B collect at a branch, M mailed).
TIMELINE = {
    "B": ("PRODUCED", "AT_BRANCH", "COLLECTED", "ACTIVATED", "FIRST_SPEND"),
    "M": ("PRODUCED", "MAILED", "ACTIVATED", "FIRST_SPEND"),
}


@dataclass(frozen=True)
class Decision:
    application_no: str
    accepted: bool
    reason_code: str = "0000"


class BankSimulator:
    """A bank that answers APPLY files and plays each card's life forward, tick by tick."""

    def __init__(
        self,
        code: str,
        side: PartnerSide,
        *,
        step_seconds: float = 30.0,
        reject_surnames: Iterable[str] = ("REJECT",),
        reject_id_suffixes: Iterable[str] = (),
        rng: random.Random | None = None,
    ) -> None:
        if code not in BINS:
            raise ValueError(f"{code} is not a bank")
        if side.code != code:
            raise ValueError("the partner side belongs to another partner")
        self.code = code
        self.side = side
        self.step = dt.timedelta(seconds=step_seconds)
        self.reject_surnames = frozenset(s.upper() for s in reject_surnames)
        self.reject_id_suffixes = tuple(s.upper() for s in reject_id_suffixes if s)
        self.rng = rng or random.SystemRandom()
        self._load_state()

    def _load_state(self) -> None:
        self.state = JsonState(
            self.side.state_dir / "state.json",
            {"cards": {}, "event_seq": {}, "policies": [], "outbox": []},
        )
        self.outbox = Outbox(self.state, self.side)

    # ------------------------------------------------------------------ the loop

    def tick(self, now: dt.datetime) -> list[str]:
        """Write what an earlier tick could not, answer new APPLY files, then move due cards
        on; returns the names written."""
        now = now.astimezone(SHANGHAI).replace(microsecond=0)
        try:
            written = self._flush()
            for name in self.side.new_files("APPLY"):
                written.extend(self._answer(str(name), name, now))
            written.extend(self._advance(now))
        except BaseException:
            # Forget what this tick decided and did not save: the saved state (with its
            # outbox) is the truth, and the next tick starts from it.
            self._load_state()
            raise
        return written

    def _flush(self) -> list[str]:
        written = []
        for name, records in self.outbox.flush():
            if records and isinstance(records[0], ResultRecord):
                # A card's first step waits for the service to take the RESULT naming it.
                for r in records:
                    if r.card_ref and r.card_ref in self.state.data["cards"]:
                        self.state.data["cards"][r.card_ref]["result_file"] = name
                self.state.save()
            written.append(name)
        return written

    # ------------------------------------------------------------------ APPLY → RESULT

    def _answer(self, name: str, parsed: codecs.FileName, now: dt.datetime) -> list[str]:
        photo_name = codecs.build_filename(
            self.code, "PHOTO", parsed.business_date, parsed.seq, envelope=parsed.envelope
        )
        try:
            _, records = self.side.decode(name, self.side.open(name))
            photos = self._photos(photo_name)
        except FileNotFoundError:
            logger.info("%s: waiting for %s", name, photo_name)
            return []
        except (EnvelopeError, FileFormatError, zipfile.BadZipFile) as exc:
            # A real bank would phone the service; the simulator logs and moves on.
            logger.warning("%s refused: %s", name, getattr(exc, "message", exc))
            self.side.mark_seen(name, photo_name)
            return []
        results = []
        for rec in records:
            assert isinstance(rec, ApplyRecord)
            decision = self.decide(rec, photos)
            results.append(self._result(rec, decision, now))
        self.outbox.add("RESULT", results, now=now)
        self.state.save()
        self.side.mark_seen(name, photo_name)
        written = self._flush()
        accepted = sum(r.result == "A" for r in results)
        logger.info(
            "%s: %d applications, %d accepted, %d rejected → %s",
            name,
            len(results),
            accepted,
            len(results) - accepted,
            ", ".join(written) or "(not written yet)",
        )
        return written

    def _photos(self, photo_name: str) -> dict[str, bytes]:
        if photo_name not in self.side.folder.list_outgoing():
            raise FileNotFoundError(photo_name)
        data = self.side.open(photo_name)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {n: zf.read(n) for n in zf.namelist()}

    def decide(self, rec: ApplyRecord, photos: dict[str, bytes]) -> Decision:
        """The simulator's rule (module docstring): photo, then identity, else accept."""
        photo = photos.get(f"{rec.application_no}.jpg")
        if photo is None or hashlib.sha256(photo).hexdigest() != rec.photo_sha256:
            return Decision(rec.application_no, False, "1005")
        if rec.surname_pinyin.upper() in self.reject_surnames or (
            self.reject_id_suffixes and rec.id_number.upper().endswith(self.reject_id_suffixes)
        ):
            return Decision(rec.application_no, False, "1001")
        return Decision(rec.application_no, True)

    def _result(self, rec: ApplyRecord, decision: Decision, now: dt.datetime) -> ResultRecord:
        if not decision.accepted:
            return ResultRecord(
                application_no=rec.application_no,
                result="R",
                reason_code=decision.reason_code,
                reason_text=REJECT_TEXT.get(decision.reason_code),
            )
        cards = self.state.data["cards"]
        for known_ref, known in cards.items():
            if known["application_no"] == rec.application_no and known.get("masked_pan"):
                # Already accepted (an APPLY sent again): the same card, not a second one.
                return ResultRecord(
                    application_no=rec.application_no,
                    result="A",
                    reason_code="0000",
                    card_ref=known_ref,
                    masked_pan=known["masked_pan"],
                    expected_ready_date=dt.date.fromisoformat(known["expected_ready_date"]),
                )
        card_ref = secrets.token_hex(10).upper()
        while card_ref in cards:
            card_ref = secrets.token_hex(10).upper()
        last4 = f"{self.rng.randrange(10000):04d}"
        masked_pan = f"{BINS[self.code][rec.product]}******{last4}"
        ready = now.date() + dt.timedelta(days=READY_DAYS)
        cards[card_ref] = {
            "application_no": rec.application_no,
            "delivery": rec.delivery,
            "branch_code": rec.branch_code,
            "step": 0,
            "next_at": (now + self.step).isoformat(),
            "last_spend_day": None,
            "result_file": None,
            "masked_pan": masked_pan,
            "expected_ready_date": ready.isoformat(),
        }
        return ResultRecord(
            application_no=rec.application_no,
            result="A",
            reason_code="0000",
            card_ref=card_ref,
            masked_pan=masked_pan,
            expected_ready_date=ready,
        )

    # ------------------------------------------------------------------ the timeline

    def _advance(self, now: dt.datetime) -> list[str]:
        events: list[EventRecord] = []
        policies: list[PolicyRecord] = []
        pending = None
        for card_ref, card in self.state.data["cards"].items():
            if dt.datetime.fromisoformat(card["next_at"]) > now:
                continue
            if card["step"] == 0:
                # The service reads from_partner/ in name order, EVENT before RESULT: a card's
                # first event waits until the service has taken the RESULT that names it.
                if card.get("result_file") is None:
                    continue  # its RESULT is still in the outbox
                if pending is None:
                    pending = self.side.folder.pending_incoming()
                if card["result_file"] in pending:
                    continue
            steps = TIMELINE[card["delivery"]]
            if card["step"] < len(steps):
                kind = steps[card["step"]]
                events.append(self._event(card_ref, kind, self._detail(card, kind), now))
                card["step"] += 1
                if kind == "ACTIVATED":
                    policies.append(self._policy(card_ref, now.date()))
                if kind == "FIRST_SPEND":
                    card["last_spend_day"] = now.date().isoformat()
            elif card["last_spend_day"] is None or card["last_spend_day"] < now.date().isoformat():
                count = self.rng.randint(1, 6)
                events.append(self._event(card_ref, "SPENDS", str(count), now))
                card["last_spend_day"] = now.date().isoformat()
            else:
                continue
            card["next_at"] = (now + self.step).isoformat()
        if not events:
            return []
        self.outbox.add("EVENT", events, now=now)
        if policies:
            self.outbox.add("POLICY", policies, now=now)
        self.state.save()
        written = self._flush()
        if written:
            logger.info(
                "%s: %d events (%s) → %s",
                self.code,
                len(events),
                ", ".join(sorted({e.event_type for e in events})),
                ", ".join(written),
            )
        return written

    def _detail(self, card: dict, kind: str) -> str | None:
        if kind in ("AT_BRANCH", "COLLECTED"):
            return card["branch_code"]
        if kind == "MAILED":
            tracking = "SF" + "".join(str(self.rng.randrange(10)) for _ in range(12))
            card["tracking_no"] = tracking
            return tracking
        return None

    def _event(self, card_ref: str, kind: str, detail: str | None, now: dt.datetime) -> EventRecord:
        day = f"{now:%Y%m%d}"
        seqs = self.state.data["event_seq"]
        seqs[day] = seqs.get(day, 0) + 1
        return EventRecord(
            event_id=f"{self.code}{day}{seqs[day]:08d}",
            card_ref=card_ref,
            event_type=kind,
            event_time=now,
            detail=detail,
        )

    def _policy(self, card_ref: str, start: dt.date) -> PolicyRecord:
        insurer = INSURERS[self.code]
        taken = set(self.state.data["policies"])
        policy_no = f"{insurer}{start:%Y%m%d}{secrets.token_hex(4).upper()}"
        while policy_no in taken:
            policy_no = f"{insurer}{start:%Y%m%d}{secrets.token_hex(4).upper()}"
        self.state.data["policies"].append(policy_no)
        try:
            end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
        except ValueError:  # 29 February
            end = start + dt.timedelta(days=364)
        return PolicyRecord(
            card_ref=card_ref,
            policy_no=policy_no,
            insurer=insurer,
            coverage_start=start,
            coverage_end=end,
            status="I",
        )

    def card(self, card_ref: str) -> dict:
        """The simulator's view of one card (for tests and logs)."""
        return self.state.data["cards"][card_ref]
