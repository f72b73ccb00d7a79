"""Staff pages in a real browser (issue 15 part 3 and the apply form of part 4): each role
lands on its page after login, the hotline look-up journey, the operations page's live
progress, and the apply form keeping what was typed while showing every error."""

from __future__ import annotations

import datetime as dt
import re

from bank_adapters.progress import exchange_progress_tracked
from insurance.tests.helpers import card, served
from volunteers.tests.factories import hotline_user, make_volunteer, operations_user

D = dt.date


def test_each_role_lands_on_its_page_and_the_menu_folds_on_a_phone(web):
    for make, path, name in (
        (hotline_user, "/staff/hotline/", "hotline"),
        (operations_user, "/staff/ops/", "ops"),
        (lambda: make_volunteer().user, "/me/", "volunteer"),
    ):
        page = web.login(make(), name)
        page.wait_for_url(f"**{path}")
        web.check(page, f"landing-{name}")
        menu = page.locator("#site-nav")
        if web.width_name == "phone":
            assert not menu.is_visible()
            page.click("#menu-toggle")
        assert menu.locator(f'a[href="{path}"]').is_visible()


def test_hotline_lookup_journey(web):
    v = make_volunteer(name="张小明")
    card(v, applied=D(2024, 2, 1), activated=D(2024, 3, 5))
    served(v, D(2024, 8, 1), name="敬老院探访服务")
    served(v, D(2025, 6, 1), name="社区义诊服务", checked_in=(9, 12))
    page = web.page(hotline_user())
    web.visit(page, "/staff/hotline/", "hotline")
    page.select_option("#kind", "mobile")
    page.fill("#key", v.mobile)
    page.fill("#incident_at", "昨天上午")
    page.fill("#reason", "来电咨询理赔")
    page.click("main button[type=submit]")
    web.check(page, "hotline-error")
    assert "请输入事发时间" in page.content()
    assert page.input_value("#key") == v.mobile  # the typed key is kept
    page.fill("#incident_at", "2025-06-02 10:00")  # insured, but not on an activity
    page.click("main button[type=submit]")
    web.check(page, "hotline-not-on-activity")
    headline = page.locator("#headline")
    assert "该事故不在保障范围内" in headline.inner_text()
    assert "msg-error" in headline.get_attribute("class")
    assert page.locator(".msg-success").count() == 0
    page.fill("#incident_at", "2025-06-01 10:30")
    page.click("main button[type=submit]")
    web.check(page, "hotline-covered")
    assert headline.inner_text() == "事发时在保险保障范围内"


def test_ops_page_shows_a_running_send_live(web):
    page = web.page(operations_user())
    with exchange_progress_tracked("BOC", "in") as step:
        web.visit(page, "/staff/ops/", "ops")
        row = page.locator('#progress tr[data-run="BOC-in"]')
        assert "进行中" in row.inner_text() and "0 个文件" in row.inner_text()
        step(1)
        step(1)
        page.wait_for_function(
            "() => /2 个文件/.test(document.querySelector('#progress').innerText)"
        )
    page.wait_for_function("() => /已完成/.test(document.querySelector('#progress').innerText)")
    assert "中国银行" in page.locator('#progress tr[data-run="BOC-in"]').inner_text()
    web.check(page, "ops-live-done")


def test_apply_form_keeps_what_was_typed_and_shows_every_error(web):
    volunteer = make_volunteer()
    page = web.page(volunteer.user)
    web.visit(page, "/me/card/apply/", "apply")
    page.check('input[name=product][value="C"]')
    page.fill("#id_mail_address", "广东省广州市天河区体育西路103号")
    page.fill("#id_postcode", "510620")
    page.click("main button[type=submit]")
    web.check(page, "apply-errors")
    for field in ("bank_code", "photo", "uniform_size"):
        assert page.locator(f"#error-{field}").is_visible(), field
    assert page.locator("#error-photo").inner_text() == "请上传证件照"
    assert re.search(r"请修改下面标出的 3 处", page.locator("#error-summary").inner_text())
    assert page.input_value("#id_mail_address") == "广东省广州市天河区体育西路103号"
    assert page.is_checked('input[name=product][value="C"]')
