"""找组织 and 组织主页 in a real browser, at the desktop and the phone width: the public finds an
organisation from the header, filters the directory, opens its page; its admin edits the
contacts in the console."""

from __future__ import annotations

from volunteers.models import Organisation
from volunteers.tests.factories import OrganisationFactory


def _tree(roles):
    org = roles["organisation"]
    Organisation.objects.filter(pk=org.pk).update(
        intro="广州市青年志愿者协会成立于1990年，组织开展社区服务、大型赛会、应急救援等志愿服务。\n欢迎热心公益的朋友加入。",
        address="广州市越秀区府前路1号",
        contact_name="陈老师",
        help_phone="020-83330000",
        help_email="gzyouth@example.org",
        verification_phone="020-83331111 转 2",
        verification_note="工作日 9:00–17:00，携带证件原件到协会办公室办理人工核验",
    )
    for i in range(3):
        OrganisationFactory(
            name=f"越秀区第{i + 1}青年志愿服务队（长名称测试：社区关爱与文明实践服务团体）",
            parent=org,
            kind=Organisation.Kind.GROUP,
        )
    OrganisationFactory(name="深圳市义工联合会", kind=Organisation.Kind.CITY, city_code="440300",
                        parent=roles["province"])  # fmt: skip
    return org


def test_the_public_finds_an_organisation_and_its_page(web, roles, today_activity):
    org = _tree(roles)
    page = web.page()
    web.visit(page, "/", "home-anonymous")
    menu = page.locator("#site-nav")
    if web.width_name == "phone":
        page.click("#menu-toggle")
    menu.locator('a[href="/organisations/"]').click()
    page.wait_for_url("**/organisations/")
    web.check(page, "org-directory")
    assert page.locator("h1").inner_text() == "找组织"
    page.select_option("#id_city", "440100")
    page.fill("#id_q", "志愿服务队")
    page.click("#org-search button[type=submit]")
    page.wait_for_url("**/organisations/?*")
    web.check(page, "org-directory-search")
    assert page.locator("#org-directory tbody tr").count() == 3
    web.visit(page, "/organisations/?city=999999", "org-directory-bad")
    assert page.locator("#error-city").is_visible()
    web.visit(page, f"/organisations/{org.pk}/", "org-page")
    assert page.locator("#org-name").inner_text() == org.name
    assert page.locator('#org-contacts a[href="tel:02083330000"]').is_visible()
    assert page.locator("#org-activities").get_by_text("社区义诊志愿服务").is_visible()
    assert page.locator("#org-children li").count() == 3
    page.locator("#org-parent a").click()
    page.wait_for_url(f"**/organisations/{roles['province'].pk}/")
    web.check(page, "org-page-province")


def test_the_volunteer_and_the_admin_reach_the_organisation_page(web, roles, today_activity):
    org = _tree(roles)
    volunteer = web.page(roles["volunteer_user"])
    web.visit(volunteer, "/me/organisations/", "my-organisations")
    volunteer.locator(f'#memberships a[href="/organisations/{org.pk}/"]').click()
    volunteer.wait_for_url(f"**/organisations/{org.pk}/")
    web.check(volunteer, "org-page-member")
    assert volunteer.locator("#my-membership").is_visible()
    web.visit(volunteer, f"/activities/{today_activity['activity'].pk}/", "activity-with-org")
    assert volunteer.locator("#activity-organisation").inner_text() == org.name

    admin = web.page(roles["org_admin"])
    web.visit(admin, f"/organisations/{org.pk}/", "org-page-admin")
    admin.locator("#edit-profile").click()
    admin.wait_for_url(f"**/org/{org.pk}/profile/")
    web.check(admin, "org-console-profile")
    admin.fill("#id_help_phone", "打电话")
    admin.click("main button[type=submit]")
    web.check(admin, "org-console-profile-error")
    assert "电话号码只能包含数字" in admin.content()
    admin.fill("#id_help_phone", "020-83339999")
    admin.click("main button[type=submit]")
    web.check(admin, "org-console-profile-saved")
    admin.locator("#public-page").click()
    admin.wait_for_url(f"**/organisations/{org.pk}/")
    assert admin.locator('#org-contacts a[href="tel:02083339999"]').is_visible()
