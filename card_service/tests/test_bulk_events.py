"""The set-based EVENT path gives exactly the per-record path's result (PostgreSQL only).

Random event sequences — repeats within the file, replays of events applied before, unknown
cards, illegal moves, first purchases on cards that already had one — are applied both ways
from the same starting point, each inside a savepoint that is rolled back, and everything
either path writes is compared: the cards, their events, purchases, applied event ids, the
hooks called, or the error raised.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE card_service_bulk'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/card_service_bulk \\
        .venv/bin/pytest card_service/tests/test_bulk_events.py
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bank_adapters import exchange
from bank_adapters.errors import FileFormatError
from bank_adapters.models import AppliedBankEvent, PartnerFile
from bank_adapters.records import EventRecord
from card_service import bank_events, bulk_events, lifecycle
from card_service.models import CardApplication, CardEvent, CardSpend, CardStatus
from card_service.tests.helpers import submit
from volunteers.tests.factories import make_volunteer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk path is PostgreSQL's"),
]

TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 12, 1, 23, 0, tzinfo=TZ)  # near midnight: the day is Shanghai's
REFS = ("CARD0", "CARD1", "CARD2", "CARD3")
KINDS = ("PRODUCED", "MAILED", "AT_BRANCH", "COLLECTED", "ACTIVATED", "CANCELLED",
         "FIRST_SPEND", "SPENDS")  # fmt: skip
STARTS = (CardStatus.SENT, CardStatus.ACCEPTED, CardStatus.PRODUCED, CardStatus.AT_BRANCH,
          CardStatus.MAILED, CardStatus.COLLECTED, CardStatus.ACTIVATED, CardStatus.CANCELLED)  # fmt: skip
TARGETS = {k: v.moves_to for k, v in bank_events.EVENT_KINDS.items() if v.moves_to}
TARGET_KIND = {v: k for k, v in TARGETS.items()}


def _detail(kind: str, n: int) -> str | None:
    return {
        "MAILED": f"SF{n:08d}",
        "AT_BRANCH": "44010001",
        "COLLECTED": "44010001",
        "SPENDS": str(n % 7),
        "CANCELLED": "LDVF"[n % 4],
    }.get(kind)


@st.composite
def scenarios(draw: Any) -> dict:
    starts = [draw(st.sampled_from(STARTS)) for _ in REFS]
    spent = [draw(st.booleans()) for _ in REFS]
    events: list[tuple[str, str, str, int]] = []
    pool = draw(st.integers(3, 40))
    for _ in range(draw(st.integers(0, 30))):
        ref_i = draw(st.integers(0, len(REFS)))  # len(REFS): an unknown card, now and then
        if ref_i == len(REFS) and draw(st.integers(0, 9)):
            ref_i = 0
        ref = REFS[ref_i] if ref_i < len(REFS) else "NOSUCHCARD"
        if draw(st.integers(0, 9)) and ref_i < len(REFS):
            # mostly a legal next step (or a repeat) of the card's life, to reach the writes
            state = starts[ref_i]
            for _eid, r, k, _t in events:
                if r == ref and k in TARGETS:
                    state = TARGETS[k]
            options = [TARGET_KIND[t] for t in lifecycle.TRANSITIONS[state] if t in TARGET_KIND]
            options += [TARGET_KIND.get(state, "SPENDS"), "SPENDS", "FIRST_SPEND"]
            kind = draw(st.sampled_from(options))
        else:
            kind = draw(st.sampled_from(KINDS))
        events.append((f"E{draw(st.integers(0, pool)):04d}", ref, kind, draw(st.integers(0, 5000))))
    replayed = draw(st.sets(st.integers(0, pool), max_size=5))
    # a purchase applied before is marked by its CardSpend row, not by an AppliedBankEvent
    spent_before = draw(st.sets(st.integers(0, pool), max_size=5)) - replayed
    # the file applied a few records at a time: a chunk sees what the ones before it wrote
    chunk = draw(st.sampled_from([1, 2, 3, 5, 8, bulk_events.CHUNK_RECORDS]))
    return {"starts": starts, "spent": spent, "events": events, "replayed": sorted(replayed),
            "spent_before": sorted(spent_before), "chunk": chunk}  # fmt: skip


def _records(scn: dict) -> list[EventRecord]:
    details = scn.get("details", {})
    return [
        EventRecord(event_id=eid, card_ref=ref, event_type=kind,
                    event_time=START + dt.timedelta(minutes=minute),
                    detail=details.get(eid, _detail(kind, minute)))
        for eid, ref, kind, minute in scn["events"]
    ]  # fmt: skip


def _then_raise(records: list[EventRecord], exc: Exception) -> Iterator[EventRecord]:
    """The records, then a decoding error, as a codec reading a file broken after them."""
    yield from records
    raise exc


@pytest.fixture
def cards(db) -> list[CardApplication]:
    apps = []
    for ref in REFS:
        app = submit(make_volunteer())
        CardApplication.objects.filter(pk=app.pk).update(card_ref=ref)
        apps.append(app)
    return apps


def _snapshot(apps: list[CardApplication], hook_calls: list, files: dict[int, str]) -> dict:
    ids = [a.pk for a in apps]
    return {
        "cards": list(
            CardApplication.objects.filter(pk__in=ids).order_by("pk").values_list(
                "pk", "status", "status_changed_at", "tracking_no", "activated_at",
                "cancelled_at", "cancel_reason", "first_spend_at",
            )
        ),
        "events": list(
            CardEvent.objects.filter(application_id__in=ids).order_by("pk").values_list(
                "application_id", "from_status", "to_status", "fact", "at", "source",
                "source_ref", "actor_id", "note",
            )
        ),
        "spends": list(
            CardSpend.objects.order_by("pk").values_list(
                "bank_id", "application_id", "event_id", "event_type", "day", "count", "city_code"
            )
        ),
        "applied": [
            (partner, event_id, files[file_id])
            for partner, event_id, file_id in AppliedBankEvent.objects.order_by("pk").values_list(
                "partner", "event_id", "file_id"
            )
        ],
        "hooks": list(hook_calls),
    }  # fmt: skip


class _Rollback(Exception):
    pass


def _run(scn: dict, apps: list[CardApplication], *, bulk: bool, captured: Any) -> Any:
    hook_calls: list = []
    result: dict = {}
    try:
        with transaction.atomic():
            for app, start, spent in zip(apps, scn["starts"], scn["spent"], strict=True):
                CardApplication.objects.filter(pk=app.pk).update(
                    status=start, status_changed_at=START - dt.timedelta(days=9),
                    first_spend_at=START - dt.timedelta(days=5) if spent else None,
                )  # fmt: skip
            old = PartnerFile.objects.create(
                partner="BOC", direction="in", name="BOC_EVENT_20261130_0001.txt.p7m",
                file_type="EVENT", business_date=dt.date(2026, 11, 30), seq=1, sha256="0" * 64,
                size=1, state="applied",
            )  # fmt: skip
            AppliedBankEvent.objects.bulk_create(
                [AppliedBankEvent(partner="BOC", event_id=f"E{i:04d}", file=old)
                 for i in scn["replayed"]]
            )  # fmt: skip
            CardSpend.objects.bulk_create(
                [CardSpend(bank_id="BOC", application=apps[0], event_id=f"E{i:04d}",
                           event_type="SPENDS", day=dt.date(2026, 11, 30), count=1,
                           city_code="440100")
                 for i in scn.get("spent_before", [])]
            )  # fmt: skip
            pf = PartnerFile.objects.create(
                partner="BOC", direction="in", name="BOC_EVENT_20261201_0001.txt.p7m",
                file_type="EVENT", business_date=dt.date(2026, 12, 1), seq=1, sha256="1" * 64,
                size=1, state="received",
            )  # fmt: skip
            records = (
                _then_raise(_records(scn), scn["late_error"])
                if "late_error" in scn
                else iter(_records(scn))
            )
            # The after-commit calls run (in order) as the block ends: their arguments are
            # compared, however each path groups them.
            with captured(execute=True):
                try:
                    if bulk:
                        n = bulk_events.apply_events(
                            "BOC", records, pf,
                            chunk_records=scn.get("chunk", bulk_events.CHUNK_RECORDS),
                        )  # fmt: skip
                    else:
                        n = exchange.apply_records("BOC", "EVENT", records, pf, expected=0)
                except Exception as exc:  # the refusal itself is compared
                    result["error"] = (type(exc).__name__, str(exc), getattr(exc, "extra", None))
                    raise _Rollback from None
                hook_calls.extend(("first_spend", a.pk, at) for a, at in _hooked)
                _hooked.clear()
            hook_calls.extend(("transition", c) for c in _commit_hooked)
            result["n"] = n
            result["state"] = _snapshot(apps, hook_calls, {old.pk: "old", pf.pk: "new"})
            raise _Rollback
    except _Rollback:
        pass
    finally:
        _hooked.clear()
        _commit_hooked.clear()
    return result


_hooked: list = []
_commit_hooked: list = []


@pytest.fixture
def recording_hooks():
    with (
        bank_events.FIRST_SPEND.replaced(lambda app, at: _hooked.append((app, at))),
        lifecycle.CARD_MOVED.replaced(lambda i, s: _commit_hooked.append((i, s))),
    ):
        yield


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scn=scenarios())
def test_bulk_path_equals_per_record_path(
    scn, cards, recording_hooks, django_capture_on_commit_callbacks
):
    per_record = _run(scn, cards, bulk=False, captured=django_capture_on_commit_callbacks)
    bulk = _run(scn, cards, bulk=True, captured=django_capture_on_commit_callbacks)
    assert bulk == per_record
    if "error" in bulk:
        event(f"refused: {bulk['error'][0]}")
    else:
        moves = sum(1 for e in bulk["state"]["events"] if e[5] == "bank_file" and not e[3])
        event(f"applied, {'no' if not moves else 'some'} moves")
        event(f"applied, {'no' if not bulk['state']['spends'] else 'some'} purchases")


def test_a_file_with_repeats_and_replays_applies_once(cards, recording_hooks):
    """A plain case, spelled out: what the property test compares, for one file."""
    scn = {
        "starts": [CardStatus.ACCEPTED, CardStatus.MAILED, CardStatus.ACTIVATED,
                   CardStatus.CANCELLED],
        "spent": [False, False, True, False],
        "events": [("E0001", "CARD0", "PRODUCED", 1), ("E0002", "CARD0", "AT_BRANCH", 2),
                   ("E0001", "CARD0", "PRODUCED", 3), ("E0003", "CARD1", "FIRST_SPEND", 4),
                   ("E0004", "CARD1", "SPENDS", 5), ("E0005", "CARD1", "ACTIVATED", 6),
                   ("E0006", "CARD2", "FIRST_SPEND", 7), ("E0007", "CARD0", "AT_BRANCH", 8),
                   ("E0008", "CARD2", "SPENDS", 9)],
        "replayed": [4],
        "spent_before": [8],
    }  # fmt: skip
    from contextlib import nullcontext

    got = _run(scn, cards, bulk=True, captured=lambda **_: nullcontext([]))
    assert got == _run(scn, cards, bulk=False, captured=lambda **_: nullcontext([]))
    state = got["state"]
    assert got["n"] == 9
    assert [c[1] for c in state["cards"]] == ["at_branch", "activated", "activated", "cancelled"]
    # E0004 was applied before; E0008 is a purchase recorded before, so it counts once
    assert [s[2] for s in state["spends"]] == ["E0008", "E0003", "E0006"]
    assert [h[:2] for h in state["hooks"] if h[0] == "first_spend"] == [
        ("first_spend", cards[1].pk)
    ]
    # the replayed one, and the six new ids: four that are not purchases here, the two new
    # purchases (E0003, E0006) by their CardSpend rows above
    assert [a[1] for a in state["applied"]] == ["E0004", "E0001", "E0002", "E0005", "E0007"]


@pytest.mark.parametrize(
    "events, error",
    [
        ([("E1", "CARD0", "PRODUCED", 1), ("E2", "CARD0", "ACTIVATED", 2),
          ("E3", "NOSUCHCARD", "PRODUCED", 3)], "IllegalTransition"),
        ([("E1", "NOSUCHCARD", "PRODUCED", 1), ("E2", "CARD0", "ACTIVATED", 2)],
         "UnknownRecord"),
    ],
)  # fmt: skip
def test_the_first_bad_record_in_file_order_names_the_refusal(
    cards, recording_hooks, events, error
):
    from contextlib import nullcontext

    scn = {"starts": [CardStatus.ACCEPTED] * 4, "spent": [False] * 4, "events": events,
           "replayed": []}  # fmt: skip
    got = _run(scn, cards, bulk=True, captured=lambda **_: nullcontext([]))
    assert got["error"][0] == error
    assert got == _run(scn, cards, bulk=False, captured=lambda **_: nullcontext([]))


@pytest.mark.parametrize(
    "events, error",
    [
        ([("E1", "CARD0", "PRODUCED", 1), ("E2", "NOSUCHCARD", "PRODUCED", 2)], "UnknownRecord"),
        ([("E1", "CARD0", "PRODUCED", 1)], "FileFormatError"),
    ],
)
@pytest.mark.parametrize("chunk", [1, bulk_events.CHUNK_RECORDS])
def test_a_decoding_error_counts_only_after_every_earlier_record_was_fine(
    cards, recording_hooks, events, error, chunk
):
    from contextlib import nullcontext

    late = FileFormatError("第 4 行：event_time 不是有效时间", file="BOC_EVENT_20261201_0001.txt")
    scn = {"starts": [CardStatus.ACCEPTED] * 4, "spent": [False] * 4, "events": events,
           "replayed": [], "late_error": late, "chunk": chunk}  # fmt: skip
    got = _run(scn, cards, bulk=True, captured=lambda **_: nullcontext([]))
    assert got["error"][0] == error
    assert got == _run(scn, cards, bulk=False, captured=lambda **_: nullcontext([]))


def test_a_backslash_in_a_value_is_stored_as_sent(cards, recording_hooks):
    from contextlib import nullcontext

    # COPY's text format would read "\0" as an escape: the value must come through whole.
    scn = {"starts": [CardStatus.PRODUCED] * 4, "spent": [False] * 4,
           "events": [("E1", "CARD0", "MAILED", 1)], "details": {"E1": "SF\\01"},
           "replayed": []}  # fmt: skip
    got = _run(scn, cards, bulk=True, captured=lambda **_: nullcontext([]))
    assert got["state"]["cards"][0][3] == "SF\\01"
    assert got == _run(scn, cards, bulk=False, captured=lambda **_: nullcontext([]))


# --- a crash in the set-based way (the exchange's own EVENT tests run both ways: see
# bank_adapters/tests/test_exchange.py, ``event_path``) ---------------------------------


# --- one table: what each kind of event does ---------------------------------------------


def test_the_table_has_one_row_for_every_kind_of_the_event_file():
    from bank_adapters.fields import EVENT_TYPES

    assert set(bank_events.EVENT_KINDS) == set(EVENT_TYPES)


def test_a_new_kind_of_event_is_one_row_that_both_paths_read(cards, recording_hooks, monkeypatch):
    from contextlib import nullcontext

    from card_service.bank_events import DETAIL, TIME, EventKind

    # a lost card: cancelled, with its time and reason; a refund: a purchase of the detail's count
    monkeypatch.setitem(
        bank_events.EVENT_KINDS,
        "LOST",
        EventKind(
            moves_to=CardStatus.CANCELLED, writes={"cancelled_at": TIME, "cancel_reason": DETAIL}
        ),
    )
    monkeypatch.setitem(bank_events.EVENT_KINDS, "REFUND", EventKind(spend=DETAIL))
    scn = {"starts": [CardStatus.ACTIVATED, CardStatus.ACTIVATED, CardStatus.ACCEPTED,
                      CardStatus.ACCEPTED],
           "spent": [True, False, False, False],
           "events": [("E1", "CARD0", "LOST", 1), ("E2", "CARD1", "REFUND", 2),
                      ("E3", "CARD1", "LOST", 3), ("E4", "CARD2", "PRODUCED", 4)],
           "details": {"E1": "L", "E2": "3", "E3": "D"}, "replayed": []}  # fmt: skip
    got = _run(scn, cards, bulk=True, captured=lambda **_: nullcontext([]))
    assert got == _run(scn, cards, bulk=False, captured=lambda **_: nullcontext([]))
    state = got["state"]
    assert [c[1] for c in state["cards"]] == ["cancelled", "cancelled", "produced", "accepted"]
    assert [(c[5] is not None, c[6]) for c in state["cards"][:2]] == [(True, "L"), (True, "D")]
    assert [(s[2], s[3], s[5]) for s in state["spends"]] == [("E2", "REFUND", 3)]
    assert [a[1] for a in state["applied"]] == ["E1", "E3", "E4"]


@pytest.mark.parametrize("at", [0, 3, 7])
def test_a_read_error_is_raised_as_it_comes_and_the_decoding_thread_ends(cards, at):
    """Not a decoding error (the disk, a bug): raised at once, whatever came before it, and
    the thread that decodes ahead is gone when the call returns, as after a refusal."""
    scn = {"events": [(f"E{i}", "CARD0", "SPENDS", i) for i in range(9)]}
    pf = PartnerFile.objects.create(
        partner="BOC", direction="in", name="BOC_EVENT_20261201_0001.txt.p7m", file_type="EVENT",
        business_date=dt.date(2026, 12, 1), seq=1, sha256="1" * 64, size=1, state="received",
    )  # fmt: skip
    records = _records(scn)
    broken = _then_raise(records[:at], OSError("读取失败"))
    with pytest.raises(OSError, match="读取失败"), transaction.atomic():
        bulk_events.apply_events("BOC", broken, pf, chunk_records=2)
    refused = iter([*records[:4], EventRecord(
        event_id="E9", card_ref="NOSUCHCARD", event_type="SPENDS", event_time=START, detail="1"
    ), *records[4:]])  # fmt: skip
    with pytest.raises(bank_events.UnknownRecord), transaction.atomic():
        bulk_events.apply_events("BOC", refused, pf, chunk_records=2)
    assert not [t for t in threading.enumerate() if t.name == "event-file-decoder"]
    assert not CardSpend.objects.exists()
