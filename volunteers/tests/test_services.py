import datetime as dt

import pytest

from core.errors import Conflict, ValidationFailed
from core.models import AuditLog
from volunteers import services
from volunteers.models import Membership, Volunteer
from volunteers.tests.factories import OrganisationFactory, mainland_id, make_volunteer

pytestmark = pytest.mark.django_db


def test_registration_without_an_organisation_is_refused():
    with pytest.raises(ValidationFailed) as e:
        make_volunteer(organisations=[])
    assert e.value.code == "membership_required"
    assert Volunteer.objects.count() == 0


def test_registration_with_six_organisations_is_refused():
    orgs = [OrganisationFactory() for _ in range(6)]
    with pytest.raises(ValidationFailed) as e:
        make_volunteer(organisations=orgs)
    assert e.value.code == "membership_limit"
    assert Volunteer.objects.count() == 0


def test_the_sixth_membership_is_refused():
    orgs = [OrganisationFactory() for _ in range(6)]
    v = make_volunteer(organisations=orgs[:5])
    with pytest.raises(ValidationFailed) as e:
        services.membership_apply(volunteer=v, organisation=orgs[5])
    assert e.value.code == "membership_limit"
    assert "最多只能加入5个" in e.value.message
    assert v.memberships.filter(status__in=Membership.LIVE).count() == 5


def test_removing_the_last_membership_says_why_not():
    v = make_volunteer()
    m = v.memberships.get()
    with pytest.raises(Conflict) as e:
        services.membership_remove(membership_id=m.pk, actor=v.user)
    assert e.value.code == "membership_last"
    assert "至少需要保留一个" in e.value.message
    m.refresh_from_db()
    assert m.status == Membership.Status.APPROVED


def test_removal_keeps_at_least_one():
    a, b = OrganisationFactory(), OrganisationFactory()
    v = make_volunteer(organisations=[a, b])
    services.membership_remove(membership_id=v.memberships.get(organisation=a).pk, actor=v.user)
    assert list(v.memberships.filter(status="approved").values_list("organisation", flat=True)) == [
        b.pk
    ]


def test_registration_assigns_a_12_character_volunteer_number_and_verifies_mainland_ids():
    v = make_volunteer()
    assert len(v.volunteer_no) == 12 and v.volunteer_no.isdigit()
    assert v.verification == Volunteer.Verification.VERIFIED
    assert v.birth_date == dt.date(1995, 6, 15) and v.gender == "M"
    assert (v.surname_pinyin, v.given_pinyin) == ("ZHANG", "XIAOMING")
    assert AuditLog.objects.filter(action="volunteer_register", target_id=str(v.pk)).exists()


def test_the_same_id_cannot_register_twice():
    number = mainland_id()
    make_volunteer(id_number=number)
    with pytest.raises(Conflict) as e:
        make_volunteer(id_number=number.lower() if number.endswith("X") else " " + number)
    assert e.value.code == "id_registered"


def test_non_mainland_ids_wait_for_an_admin_of_their_organisation(django_user_model):
    org = OrganisationFactory()
    v = make_volunteer(
        organisations=[org],
        id_type="02",
        id_number="H12345678",
        name="陳大文",
        gender="M",
        birth_date=dt.date(1990, 1, 1),
    )
    assert v.verification == Volunteer.Verification.PENDING
    assert v.nationality == "HKG"
    stranger = django_user_model.objects.create_user("stranger", password="x" * 10)
    services.organisation_admin_add(organisation=OrganisationFactory(), user=stranger)
    with pytest.raises(Exception) as e:
        services.volunteer_verify(volunteer=v, actor=stranger, approve=True)
    assert getattr(e.value, "code", "") == "permission_denied"
    admin = django_user_model.objects.create_user("admin1", password="x" * 10)
    services.organisation_admin_add(organisation=org, user=admin)
    services.volunteer_verify(volunteer=v, actor=admin, approve=True)
    v.refresh_from_db()
    assert v.verification == Volunteer.Verification.VERIFIED


def test_an_admin_of_a_parent_organisation_approves_membership(org_tree, django_user_model):
    admin = django_user_model.objects.create_user("adminA", password="x" * 10)
    services.organisation_admin_add(organisation=org_tree["A"], user=admin)
    v = make_volunteer(organisations=[org_tree["B"]], approve=False)
    m = v.memberships.get()
    services.membership_decide(membership_id=m.pk, actor=admin, approve=True)
    m.refresh_from_db()
    assert m.status == Membership.Status.APPROVED
    assert v.user.notifications.filter(text__contains="已通过").exists()


def test_an_admin_removes_a_member_from_their_only_organisation_and_they_reapply():
    """The manual: a volunteer removed by the admin reapplies to join."""
    from volunteers.tests.factories import UserFactory

    org = OrganisationFactory()
    admin = UserFactory()
    services.organisation_admin_add(organisation=org, user=admin)
    v = make_volunteer(organisations=[org])
    m = v.memberships.get()
    services.membership_remove(membership_id=m.pk, actor=admin, reason="长期未参加活动")
    m.refresh_from_db()
    assert m.status == Membership.Status.REMOVED
    assert AuditLog.objects.filter(action="membership_remove", target_id=str(m.pk)).exists()
    again = services.membership_apply(volunteer=v, organisation=org)
    assert again.status == Membership.Status.PENDING


def test_the_full_id_number_is_shown_for_the_manual_check_only_and_each_view_is_audited():
    from core.errors import NotFound
    from volunteers import selectors
    from volunteers.tests.factories import UserFactory

    org = OrganisationFactory()
    admin, stranger = UserFactory(), UserFactory()
    services.organisation_admin_add(organisation=org, user=admin)
    services.organisation_admin_add(organisation=OrganisationFactory(), user=stranger)
    v = make_volunteer(
        organisations=[org],
        id_type="05",
        id_number="E12345678",
        name="JOHN SMITH",
        gender="M",
        birth_date=dt.date(1990, 1, 1),
        nationality="USA",
    )
    assert v.verification == Volunteer.Verification.PENDING
    shown = selectors.volunteer_identity_for_verification(user=admin, volunteer_id=v.pk)
    assert shown.id_number == "E12345678"
    row = AuditLog.objects.get(action="volunteer_identity_view", target_id=str(v.pk))
    assert row.actor == admin and "E12345678" not in str(row.data)
    with pytest.raises(NotFound):
        selectors.volunteer_identity_for_verification(user=stranger, volunteer_id=v.pk)
    services.volunteer_verify(volunteer=v, actor=admin, approve=True)
    with pytest.raises(NotFound):
        selectors.volunteer_identity_for_verification(user=admin, volunteer_id=v.pk)
    assert AuditLog.objects.filter(action="volunteer_identity_view").count() == 1
