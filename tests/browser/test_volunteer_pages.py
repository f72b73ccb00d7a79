"""The volunteer's own pages in a real browser, at both widths: register (organisations
from the tree), log in, apply for the card with a photo and follow its timeline; register by
search, log in with the ID number, read the inbox; edit the profile; reset the password with
the SMS code."""

from __future__ import annotations

import re

from tests.browser.conftest import REGISTRATION, fill_form

PASSWORD = "pass-word-123"  # the factories' password


def _register(page, **person: str) -> None:
    """Fill in the rest of the registration form for a mainland ID holder and submit it."""
    fill_form(page, {"id_type": "01", **person, **REGISTRATION})
    page.click("#register-submit")
    page.wait_for_url("**/register/done/")


def test_register_from_the_tree_apply_for_the_card_and_see_the_timeline(web, roles):
    import datetime as dt

    from card_service.models import CardApplication
    from card_service.tests.helpers import jpeg_bytes
    from volunteers.models import Volunteer
    from volunteers.tests.factories import OrganisationFactory, mainland_id

    team = OrganisationFactory(name="A组织第一志愿服务队", parent=roles["organisation"])
    id_number = mainland_id(birth=dt.date(1998, 7, 9), male=True)
    page = web.page()
    web.visit(page, "/register/", "register")
    # The province's federation opens by itself; its cities follow, one level at a time.
    page.get_by_role("button", name="A组织的下级组织").click()
    page.locator(f"#org-tree input[data-org='{team.pk}']").check()
    assert page.is_checked(f"#chosen-orgs input[name=organisation_ids][value='{team.pk}']")
    assert "已选择 1 个" in page.locator("#org-count").inner_text()
    web.check(page, "register-tree")
    _register(page, id_number=id_number, name="林志远", mobile="13922223333", username="linzhiyuan")
    volunteer = Volunteer.objects.get(user__username="linzhiyuan")
    assert volunteer.verification == Volunteer.Verification.VERIFIED  # the real-name check
    assert list(volunteer.memberships.values_list("organisation", flat=True)) == [team.pk]

    page = web.login(volunteer.user, "newcomer", password=REGISTRATION["password"])
    page.wait_for_url("**/me/")
    web.visit(page, "/me/card/apply/", "apply")
    page.select_option("#id_bank_code", "BOC")
    page.check('input[name=product][value="D"]')
    branch = page.locator("#id_branch_id option[data-bank=BOC]").first.get_attribute("value")
    page.select_option("#id_branch_id", branch)
    page.set_input_files(
        "#id_photo", {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}
    )
    page.select_option("#id_uniform_size", "M")
    page.click("main button[type=submit]")
    page.wait_for_url("**/me/card/")
    assert "申请已提交" in page.locator(".msg-success").inner_text()
    assert page.locator(".status-label").inner_text() == "等待报送银行"
    steps = page.locator("ol.timeline li").all_inner_texts()
    assert [s.split()[0] for s in steps] == ["已提交，等待实名核验", "等待报送银行"], steps
    web.check(page, "card-timeline")
    app = CardApplication.objects.get(volunteer=volunteer)
    assert (app.bank_id, app.product, app.branch_id) == ("BOC", "D", int(branch))


def test_register_then_log_in_with_the_id_number_and_read_the_inbox(web, roles):
    import datetime as dt

    from volunteers.tests.factories import mainland_id

    # Another birth date than the fixtures' volunteer: the factory's numbers are not unique
    # across birth dates' sequence numbers (a taken number would end on the same page).
    id_number = mainland_id(birth=dt.date(2001, 2, 3), male=False)
    page = web.page()
    web.visit(page, "/register/", "register")
    page.fill("#id_q", "A组")
    page.click("#org-search")
    page.wait_for_selector("#org-results")
    page.check(f"#org-results input[value='{roles['organisation'].pk}']")
    _register(page, id_number=id_number, name="陈小红", mobile="13912345678", username="xiaohong")
    assert "注册申请已受理" in page.locator("h1").inner_text()
    web.check(page, "register-done")

    web.visit(page, "/accounts/login/?next=/me/", "login")
    page.fill("#id_username", id_number)
    page.fill("#id_password", "Kapok-flower-2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/me/")
    assert page.locator("#inbox-unread").inner_text() == "1"
    if page.is_visible("#menu-toggle"):  # on a phone the header menu folds behind 菜单
        page.click("#menu-toggle")
    page.click("#inbox-link")
    page.wait_for_url("**/me/inbox/")
    assert "欢迎注册广东志愿者" in page.locator("#inbox").inner_text()
    web.check(page, "inbox")
    page.click("#read-all")
    page.wait_for_url("**/me/inbox/")
    assert page.locator("#inbox-unread").count() == 0


def test_a_registration_error_is_shown_at_its_field(web, roles):
    page = web.page()
    web.visit(page, "/register/", "register")
    page.fill("#id_id_number", "440103199506150000")
    page.click("#register-submit")
    page.wait_for_selector("#error-id_number")
    assert page.locator("#error-organisation_ids").count() == 1
    web.check(page, "register-errors")


def test_profile_edit(web, roles, today_activity):
    volunteer = roles["volunteer"]
    page = web.page(volunteer.user)
    web.visit(page, "/me/profile/", "profile")
    page.fill("#id_address", "广州市越秀区解放北路1号")
    page.fill("#id_given_pinyin", "XIAO MING")
    page.click("#contact-save")
    page.wait_for_selector(".msg-success")
    web.check(page, "profile-saved")
    volunteer.refresh_from_db()
    assert (volunteer.address, volunteer.given_pinyin) == ("广州市越秀区解放北路1号", "XIAO MING")
    web.visit(page, "/me/organisations/?q=A", "my-organisations")
    web.visit(page, "/me/activities/?tab=ongoing", "my-activities")
    assert "社区义诊志愿服务" in page.locator("#signups").inner_text()


def test_username_once_and_a_name_correction_with_a_card_application_waiting(web, roles):
    from card_service.models import CardStatus
    from card_service.tests.helpers import submit

    volunteer = roles["volunteer"]
    app = submit(volunteer)
    page = web.page(volunteer.user)
    web.visit(page, "/me/profile/", "profile")
    page.fill("#id_username", "zhangxiaoming2026")
    page.once("dialog", lambda dialog: dialog.accept())  # 用户名仅允许修改一次，确定修改吗？
    page.click("#username-save")
    page.wait_for_selector("#username-locked")
    assert "不能再次修改" in page.locator("#username-locked").inner_text()
    web.check(page, "profile-username-locked")

    page.fill("#id_name", "张晓明")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#identity-save")
    page.wait_for_selector(".msg-warning")
    assert "实名认证状态：已实名认证" in page.locator(".msg-success").inner_text()
    assert "已按更正后的信息更新" in page.locator(".msg-warning").inner_text()
    web.check(page, "profile-identity-corrected")
    app.refresh_from_db()
    assert app.status == CardStatus.QUEUED and "张晓明" in app.apply_record


def test_password_reset_with_the_sms_code(web, roles):
    from core.models import Notification

    volunteer = roles["volunteer"]
    page = web.page()
    web.visit(page, "/accounts/login/", "login")
    page.click("text=忘记密码？")
    page.wait_for_url("**/password/forgot/")
    web.check(page, "password-forgot")
    page.fill("#id_identifier", volunteer.mobile)
    page.click("#send-code")
    page.wait_for_url("**/password/reset/")
    web.check(page, "password-reset")
    sms = Notification.objects.filter(user=volunteer.user, channel="sms").latest("id").text
    code = re.search(r"验证码 (\d{6})", sms).group(1)
    page.fill("#id_code", code)
    page.fill("#id_password", "New-kapok-2026")
    page.fill("#id_password2", "New-kapok-2026")
    page.click("#reset-submit")
    page.wait_for_url("**/accounts/login/")
    page.fill("#id_username", volunteer.user.username)
    page.fill("#id_password", "New-kapok-2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/me/")
    web.check(page, "me-after-reset")
