"""What tests of several apps share about activities (not collected: no test module
imports another, ``tests/test_layout.py``)."""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

# A test that makes today's activity and then signs up, checks in and out at the wall clock
# takes well under this long.
MIDNIGHT_MARGIN = dt.timedelta(minutes=10)


def all_day_today() -> tuple[dt.date, dt.time, dt.time]:
    """An activity day that runs all of today, local time: (date, 00:00, 23:59). A test that
    starts in the last minutes before local midnight would see the day end under it (a
    sign-up refused as 该活动已结束, seen at 23:59 Asia/Shanghai), so this first waits for
    the new day."""
    now = timezone.localtime()
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight - now < MIDNIGHT_MARGIN:
        time.sleep((midnight - now).total_seconds() + 1)
    return timezone.localdate(), dt.time(0, 0), dt.time(23, 59)
