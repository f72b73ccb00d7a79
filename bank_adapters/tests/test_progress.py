"""The operations page's live view: a running send or receive shows its progress through
the small JSON endpoint the page polls, without reloading."""

from __future__ import annotations

import pytest
from django.test import Client

from bank_adapters import exchange
from bank_adapters.models import ExchangeProgress
from bank_adapters.progress import exchange_progress_tracked
from bank_adapters.tests.helpers import Bank, accepted, sent_app
from volunteers.tests.factories import UserFactory, operations_user

pytestmark = pytest.mark.django_db
URL = "/staff/ops/progress.json"


def ops_client() -> Client:
    c = Client()
    c.force_login(operations_user())
    return c


def test_a_running_receive_is_seen_while_it_runs(env):
    app = sent_app(env)
    bank = Bank(env)
    bank.put("RESULT", [accepted(app)], seq=1)
    c = ops_client()
    seen = []
    with exchange_progress_tracked(
        "BOC", "in", also=lambda n: seen.append(c.get(URL).json())
    ) as step:
        during = c.get(URL).json()
        exchange.receive("BOC", progress=step)
    run = next(r for r in during["runs"] if r["partner"] == "BOC" and r["direction"] == "in")
    assert during["running"] and run["state"] == "running" and run["files_done"] == 0
    assert run["partner_name"] == "中国银行"
    mid = next(r for r in seen[0]["runs"] if r["direction"] == "in")
    assert mid["files_done"] == 1 and mid["state_label"] == "进行中"
    after = c.get(URL).json()
    run = next(r for r in after["runs"] if r["direction"] == "in")
    assert not after["running"] and run["state"] == "done" and run["files_done"] == 1
    assert run["finished_at"]


def test_send_due_records_the_send_and_an_empty_poll_keeps_the_last_run(env):
    sent_app(env)  # one application sent by hand; nothing waits now
    from card_service.tests.helpers import submit
    from volunteers.tests.factories import make_volunteer

    submit(make_volunteer())
    exchange.prepare("BOC", "APPLY")
    exchange.send_due("BOC")
    row = ExchangeProgress.objects.get(partner="BOC", direction="out")
    assert row.state == "done" and row.files_done == row.files_total == 2
    from bank_adapters import tasks

    tasks.exchange_receive_partner.apply(args=("BOC",)).get()  # nothing came: no "in" run

    assert not ExchangeProgress.objects.filter(partner="BOC", direction="in").exists()
    exchange.send_due("BOC")  # nothing to send: the last send stays
    row.refresh_from_db()
    assert row.files_done == 2


def test_a_failed_run_says_so():
    with pytest.raises(OSError), exchange_progress_tracked("ICBC", "in") as step:
        step(1)
        raise OSError("connection reset")
    row = ExchangeProgress.objects.get(partner="ICBC", direction="in")
    assert row.state == "failed" and row.files_done == 1 and row.finished_at


def test_progress_is_for_operations_only(client):
    assert client.get(URL).status_code == 401
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_ops_page_names_partners_in_chinese_and_links(client):
    client.force_login(operations_user())
    html = client.get("/staff/ops/").content.decode()
    for name in ("中国银行", "中国工商银行", "中国光大银行", "服装厂商"):
        assert name in html
    assert 'href="/staff/donations/"' in html
    assert 'href="/staff/insurance/reconciliation/"' in html
    assert 'data-url="/staff/ops/progress.json"' in html and "bank_adapters/ops.js" in html
