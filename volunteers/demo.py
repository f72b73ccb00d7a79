"""Demo organisations, volunteers of every ID type (including a minor) and staff logins.
Password of every demo login: demo12345."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from volunteers import identity, services
from volunteers.models import Membership, Organisation, Volunteer
from volunteers.roles import HOTLINE_GROUP, OPERATIONS_GROUP

PASSWORD = "demo12345"


def _user(username: str, *, superuser: bool = False, groups: tuple[str, ...] = ()):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = (
            User.objects.create_superuser(username, f"{username}@example.invalid", PASSWORD)
            if superuser
            else User.objects.create_user(username, password=PASSWORD, is_staff=bool(groups))
        )
    for g in groups:
        user.groups.add(Group.objects.get_or_create(name=g)[0])
    return user


def _org(code: str, name: str, kind: str, parent: Organisation | None, city: str) -> Organisation:
    found = Organisation.objects.filter(code=code).first()
    return found or services.organisation_create(
        name=name, code=code, kind=kind, parent=parent, city_code=city
    )


def seed() -> str:
    today = dt.date.today()
    province = _org("GD", "广东省志愿者联合会", Organisation.Kind.FEDERATION, None, "440000")
    cities = {}
    for code, city in services.GUANGDONG_CITY_CODES.items():
        cities[code] = _org(
            f"C{code}", f"{city}志愿者联合会", Organisation.Kind.CITY, province, code
        )
    tianhe = _org(
        "D440106", "天河区志愿者联合会", Organisation.Kind.DISTRICT, cities["440100"], "440100"
    )
    lib = _org("O0001", "天河区图书馆志愿服务队", Organisation.Kind.ORGANISATION, tianhe, "440100")
    group = _org("G0001", "图书馆周末导读小组", Organisation.Kind.GROUP, lib, "440100")
    fs = _org(
        "O0002", "佛山市应急志愿服务队", Organisation.Kind.ORGANISATION, cities["440600"], "440600"
    )

    _user("admin", superuser=True)
    _user("hotline", groups=(HOTLINE_GROUP,))
    _user("ops", groups=(OPERATIONS_GROUP,))
    org_admin = _user("orgadmin")
    services.organisation_admin_add(organisation=tianhe, user=org_admin)
    # The public page's introduction and contacts (组织主页), as its admin would fill them in.
    services.organisation_profile_update(
        organisation_id=lib.pk,
        actor=org_admin,
        intro="天河区图书馆志愿服务队在图书馆开展导读、借还书引导、少儿阅读推广和无障碍阅读服务。"
        "周末和寒暑假长期招募志愿者。",
        address="广州市天河区天河东路1号天河区图书馆一楼",
        contact_name="图书馆志愿服务岗",
        help_phone="020-38880000",
        help_email="lib-volunteers@example.invalid",
        verification_phone="020-38880000 转 2",
        verification_note="周二至周日 9:30–17:00，携带证件原件到一楼志愿者服务台办理人工核验或重新校验",
    )

    people = [
        # username, name, id_type, number, birth, gender, nationality, orgs
        ("xiaoming", "张小明", "01",
         identity.make_mainland_id(province_city="440106", birth=dt.date(1996, 3, 8), seq=101, male=True),
         None, None, None, [lib]),
        ("ouyang", "欧阳娜娜", "01",
         identity.make_mainland_id(province_city="440604", birth=dt.date(1988, 11, 2), seq=222, male=False),
         None, None, None, [fs, lib]),
        ("minor", "李小雨", "01",
         identity.make_mainland_id(province_city="440106", birth=today.replace(year=today.year - 16) - dt.timedelta(days=30), seq=33, male=False),
         None, None, None, [group]),
        ("hkvol", "陳大文", "02", "H12345678", dt.date(1990, 5, 1), "M", None, [lib]),
        ("twvol", "林志明", "03", "12345678", dt.date(1992, 7, 9), "M", None, [lib]),
        ("macaures", "何嘉欣", "04",
         identity.make_residence_permit(region="820000", birth=dt.date(1994, 2, 28), seq=88, male=False),
         None, None, None, [lib]),
        ("foreign", "SMITH JOHN", "05", "P1234567", dt.date(1985, 12, 24), "M", "GBR", [fs]),
    ]  # fmt: skip
    made = 0
    for n, (username, name, id_type, number, birth, gender, nat, orgs) in enumerate(people):
        if Volunteer.objects.filter(user__username=username).exists():
            continue
        v = services.volunteer_register(
            username=username,
            password=PASSWORD,
            name=name,
            id_type=id_type,
            id_number=number,
            id_expiry=dt.date(2035, 12, 31),
            mobile=f"1380000{n:04d}",
            city_code=orgs[0].city_code,
            organisation_ids=[o.pk for o in orgs],
            address="广东省广州市天河区体育西路103号维多利广场A座",
            postcode="510620",
            gender=gender,
            birth_date=birth,
            nationality=nat,
        )
        Membership.objects.filter(volunteer=v).update(status=Membership.Status.APPROVED)
        made += 1
    return f"{Organisation.objects.count()} organisations, {made} new volunteers; logins: admin, orgadmin, hotline, ops, xiaoming, ouyang, minor, hkvol, twvol, macaures, foreign (password {PASSWORD})"
