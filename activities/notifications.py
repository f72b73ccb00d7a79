"""The texts volunteers receive about activities, as the manual (chapter 3) prints them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from activities.models import Activity

# Admission and removal go out on every channel, as the manual says (SMS, WeChat, in-site).
ALL_CHANNELS = ("sms", "wechat", "site")


def admitted_text(activity: Activity) -> str:
    return _(
        "【i志愿】您已被活动%(name)s录用，请准时参加。联系人 %(contact)s，电话 %(phone)s。"
    ) % {
        "name": activity.name,
        "contact": activity.contact_name,
        "phone": activity.contact_phone,
    }


def removed_text(activity: Activity, admin: Any) -> str:
    return _(
        "【i志愿】您好，您已被志愿服务活动%(name)s活动管理员：%(admin)s 移出了本活动，"
        "如有疑问，请及时联系负责人：%(contact)s，联系电话：%(phone)s。i志愿，志愿有你更精彩！"
    ) % {
        "name": activity.name,
        "admin": admin.get_full_name() or admin.get_username(),
        "contact": activity.contact_name,
        "phone": activity.contact_phone,
    }


def invited_text(activity: Activity) -> str:
    return _("【i志愿】%(org)s邀请您参加志愿服务活动%(name)s，请进入活动详情页完成报名。") % {
        "org": activity.organisation.name,
        "name": activity.name,
    }


def cancelled_text(activity: Activity) -> str:
    return _(
        "【i志愿】您报名的活动%(name)s已取消，如有疑问，请联系负责人：%(contact)s，联系电话：%(phone)s。"
    ) % {
        "name": activity.name,
        "contact": activity.contact_name,
        "phone": activity.contact_phone,
    }


def hours_decided_text(activity: Activity, *, approved: bool, counts_from: Any = None) -> str:
    if approved:
        return _(
            "【i志愿】您在活动%(name)s的自行签到签退时长已审核通过，将于%(date)s起计入个人服务时长。"
        ) % {
            "name": activity.name,
            "date": counts_from,
        }
    return _(
        "【i志愿】您在活动%(name)s的自行签到签退时长未通过审核，如有疑问，请联系负责人：%(contact)s。"
    ) % {
        "name": activity.name,
        "contact": activity.contact_name,
    }


def dispute_received_text(activity: Activity) -> str:
    return _("【i志愿】已收到您对活动%(name)s时长的异议，组织核实后将答复您。") % {
        "name": activity.name
    }


def dispute_on_you_text(activity: Activity) -> str:
    return _(
        "【i志愿】您在活动%(name)s的服务时长在公示期内收到异议，组织核实前暂不计入个人服务时长。"
    ) % {"name": activity.name}


def dispute_for_org_text(activity: Activity) -> str:
    return _("【i志愿】活动%(name)s的时长公示收到一条异议，请在组织管理后台“时长异议”中答复。") % {
        "name": activity.name
    }


def dispute_answered_text(activity: Activity, dispute: Any) -> str:
    if dispute.status == "rejected":
        verdict = _("异议不成立，时长维持不变")
    elif dispute.minutes_after is not None:
        verdict = _("异议成立，时长已更正")
    else:
        verdict = _("异议成立，时长已撤销")
    return _("【i志愿】活动%(name)s的时长异议已答复：%(verdict)s。答复：%(answer)s") % {
        "name": activity.name,
        "verdict": verdict,
        "answer": dispute.answer,
    }
