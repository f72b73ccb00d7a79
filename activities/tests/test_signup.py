"""Sign-up and admission: members-only at that level only, memberships, places, invitations
and the manual's notification texts."""

import pytest

from activities import services
from activities.models import Activity, SignUp
from activities.tests.conftest import CREATED
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.models import Notification
from volunteers.models import Membership
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def test_xiaoming_in_b_is_refused_for_a_members_only_activity(world, publish):
    activity = publish(world["A"], world["admin_A"], members_only=True)
    with pytest.raises(PermissionDenied) as exc:
        services.signup_create(volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED)
    assert exc.value.code == "members_only"
    assert "只允许本组织志愿者" in exc.value.message
    assert not SignUp.objects.exists()


def test_xiaoming_in_b_is_admitted_for_b_members_only_activity(world, publish):
    activity = publish(world["B"], world["admin_B"], members_only=True)
    signup = services.signup_create(
        volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED
    )
    assert signup.status == SignUp.Status.APPLIED
    signup = services.signup_admit(admin=world["admin_B"], signup_id=signup.pk, now=CREATED)
    assert signup.status == SignUp.Status.ADMITTED


def test_an_open_activity_of_a_takes_volunteers_of_b(world, publish):
    activity = publish(world["A"], world["admin_A"])
    signup = services.signup_create(
        volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED
    )
    assert signup.status == SignUp.Status.APPLIED


def test_sign_up_needs_an_approved_membership(world, publish):
    pending = make_volunteer(organisations=[world["B"]], approve=False)
    activity = publish(world["B"], world["admin_B"])
    with pytest.raises(ValidationFailed) as exc:
        services.signup_create(volunteer=pending, activity_id=activity.pk, now=CREATED)
    assert exc.value.code == "membership_required"
    assert "归属组织" in exc.value.message
    Membership.objects.filter(volunteer=pending).update(status=Membership.Status.APPROVED)
    services.signup_create(volunteer=pending, activity_id=activity.pk, now=CREATED)


def test_a_full_activity_refuses_sign_up_and_admission(world, publish):
    activity = publish(world["B"], world["admin_B"], places=1)
    first = services.signup_create(
        volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED
    )
    second_v = make_volunteer(organisations=[world["B"]])
    second = services.signup_create(volunteer=second_v, activity_id=activity.pk, now=CREATED)
    services.signup_admit(admin=world["admin_B"], signup_id=first.pk)
    with pytest.raises(Conflict) as exc:
        services.signup_admit(admin=world["admin_B"], signup_id=second.pk)
    assert exc.value.message == "活动报名人数已满"
    third = make_volunteer(organisations=[world["B"]])
    with pytest.raises(Conflict, match="活动报名人数已满"):
        services.signup_create(volunteer=third, activity_id=activity.pk, now=CREATED)


def test_a_second_sign_up_is_refused(world, publish):
    activity = publish(world["B"], world["admin_B"])
    services.signup_create(volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED)
    with pytest.raises(Conflict, match="请勿重复报名"):
        services.signup_create(volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED)


def test_drafts_and_cancelled_activities_take_no_sign_up(world, publish):
    activity = publish(world["B"], world["admin_B"])
    services.activity_change_status(
        admin=world["admin_B"], activity_id=activity.pk, status=Activity.Status.CANCELLED
    )
    with pytest.raises(Conflict):
        services.signup_create(volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED)


def test_admission_and_removal_send_the_manuals_texts(
    world, publish, django_capture_on_commit_callbacks
):
    activity = publish(world["B"], world["admin_B"])
    signup = services.signup_create(
        volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.signup_admit(admin=world["admin_B"], signup_id=signup.pk)
    texts = list(
        Notification.objects.filter(user=world["xiaoming"].user).values_list("channel", "text")
    )
    assert {c for c, _ in texts} == {"sms", "wechat", "site"}
    assert (
        texts[0][1]
        == "【i志愿】您已被活动3D手绘公益活动录用，请准时参加。联系人 陈老师，电话 020-12345678。"
    )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.signup_remove(admin=world["admin_B"], signup_id=signup.pk)
    text = Notification.objects.filter(user=world["xiaoming"].user, channel="sms").get().text
    assert text == (
        "【i志愿】您好，您已被志愿服务活动3D手绘公益活动活动管理员：admin_b 移出了本活动，"
        "如有疑问，请及时联系负责人：陈老师，联系电话：020-12345678。i志愿，志愿有你更精彩！"
    )
    with pytest.raises(Conflict, match="移出"):
        services.signup_create(volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED)


def test_an_invited_volunteer_is_admitted_at_once_without_the_admission_sms(
    world, publish, django_capture_on_commit_callbacks
):
    activity = publish(world["A"], world["admin_A"])
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            admin=world["admin_A"], activity_id=activity.pk, volunteer_id=world["xiaoming"].pk
        )
    invite = Notification.objects.filter(user=world["xiaoming"].user, channel="wechat").get()
    assert "邀请您参加志愿服务活动3D手绘公益活动" in invite.text
    with django_capture_on_commit_callbacks(execute=True):
        signup = services.signup_create(
            volunteer=world["xiaoming"], activity_id=activity.pk, now=CREATED
        )
    assert signup.status == SignUp.Status.ADMITTED and signup.invited
    assert not Notification.objects.filter(text__contains="录用").exists()


def test_admins_invite_only_their_own_volunteers(world, publish):
    activity = publish(world["C"], world["admin_C"])
    with pytest.raises(Exception) as exc:
        services.invitation_create(
            admin=world["admin_C"], activity_id=activity.pk, volunteer_id=world["xiaoming"].pk
        )
    assert exc.value.code == "volunteer_not_found"


def test_self_check_in_needs_more_than_50_places(world, publish):
    with pytest.raises(ValidationFailed) as exc:
        publish(world["B"], world["admin_B"], places=50, self_checkin=True)
    assert exc.value.code == "self_checkin_places"
    assert publish(world["B"], world["admin_B"], places=51, self_checkin=True).self_checkin


def test_the_status_machine_refuses_illegal_moves(world, publish):
    activity = publish(world["B"], world["admin_B"])
    services.activity_change_status(
        admin=world["admin_B"], activity_id=activity.pk, status=Activity.Status.FINISHED
    )
    with pytest.raises(Conflict) as exc:
        services.activity_change_status(
            admin=world["admin_B"], activity_id=activity.pk, status=Activity.Status.PUBLISHED
        )
    assert exc.value.code == "illegal_transition"


def test_only_the_organisations_admins_publish(world):
    import datetime as dt

    with pytest.raises(PermissionDenied):
        services.activity_create(
            admin=world["admin_C"],
            organisation=world["B"],
            name="x",
            days=[(dt.date(2030, 5, 6), dt.time(9), dt.time(10))],
            places=5,
            address="x",
            city_code="440100",
            contact_name="x",
            contact_phone="1",
            now=CREATED,
        )
