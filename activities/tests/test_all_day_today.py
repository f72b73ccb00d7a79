"""The shared "all of today" activity day waits out the last minutes before midnight."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from activities.tests import helpers

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _at(monkeypatch, hour: int, minute: int, second: int = 0) -> list[float]:
    clock = [dt.datetime(2026, 12, 3, hour, minute, second, tzinfo=SHANGHAI)]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += dt.timedelta(seconds=seconds)

    monkeypatch.setattr(helpers.time, "sleep", sleep)
    monkeypatch.setattr(timezone, "localtime", lambda *a, **k: clock[0])
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: clock[0].date())
    return slept


def test_in_the_day_it_is_today_at_once(monkeypatch):
    slept = _at(monkeypatch, 23, 49)
    assert helpers.all_day_today() == (dt.date(2026, 12, 3), dt.time(0, 0), dt.time(23, 59))
    assert slept == []


def test_in_the_last_minutes_it_waits_for_the_new_day(monkeypatch):
    slept = _at(monkeypatch, 23, 59, 30)
    assert helpers.all_day_today() == (dt.date(2026, 12, 4), dt.time(0, 0), dt.time(23, 59))
    assert slept == [31.0]
