"""Every action the audit log records, with what it means.

``audit_log_write(action=...)`` takes a member of ``AuditAction`` and nothing else
(``core/tests/test_audit_actions.py`` reads the source of every app to make sure). The values
are the ones stored since the log began; a new action is a new member here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # Hotline and look-ups of personal data
    HOTLINE_LOOKUP = "hotline_lookup", _("热线查询志愿者")
    HOTLINE_CARD_PROGRESS = "hotline_card_progress", _("热线查询志愿者证办理进度")
    INSURANCE_COVERAGE_LOOKUP = "insurance_coverage_lookup", _("查询志愿者保险保障")
    VOLUNTEER_IDENTITY_VIEW = "volunteer_identity_view", _("实名认证时查看完整证件号码")

    # Volunteers and their accounts
    VOLUNTEER_REGISTER = "volunteer_register", _("志愿者注册")
    VOLUNTEER_SIGN_UP_ID_TAKEN = "volunteer_sign_up_id_taken", _("以已注册的证件号码再次注册")
    VOLUNTEER_CHANGE_USERNAME = "volunteer_change_username", _("志愿者修改用户名")
    VOLUNTEER_UPDATE_CONTACT = "volunteer_update_contact", _("志愿者修改联系方式")
    VOLUNTEER_VERIFY = "volunteer_verify", _("管理员人工审核志愿者实名认证")
    VOLUNTEER_CORRECT_IDENTITY = "volunteer_correct_identity", _("更正姓名或证件信息")
    VOLUNTEER_CORRECT_IDENTITY_REFUSED = (
        "volunteer_correct_identity_refused",
        _("更正证件信息被拒绝（证件号码已属另一账号）"),
    )
    PASSWORD_RESET_REQUEST = "password_reset_request", _("申请重置密码")
    PASSWORD_RESET_WRONG_CODE = "password_reset_wrong_code", _("重置密码时验证码错误")
    PASSWORD_RESET_CONFIRM = "password_reset_confirm", _("重置密码成功")
    API_TOKEN_ISSUE = "api_token_issue", _("签发接口令牌")
    OIDC_LINK_CREATE = "oidc_link_create", _("绑定统一身份认证账号")
    OIDC_LINK_REMOVE = "oidc_link_remove", _("解绑统一身份认证账号")

    # Organisations and memberships
    ORGANISATION_CREATE = "organisation_create", _("创建组织")
    ORGANISATION_CHANGE = "organisation_change", _("后台修改组织")
    ORGANISATION_PROFILE_UPDATE = "organisation_profile_update", _("修改组织资料")
    ORGANISATION_MOVE = "organisation_move", _("调整组织的上级组织")
    ORGANISATION_ADMIN_ADD = "organisation_admin_add", _("添加组织管理员")
    MEMBERSHIP_APPLY = "membership_apply", _("申请加入组织")
    MEMBERSHIP_DECIDE = "membership_decide", _("审核入会申请")
    MEMBERSHIP_REMOVE = "membership_remove", _("将志愿者移出组织")

    # Activities, sign-ups, attendance and hours
    ACTIVITY_CREATE = "activity_create", _("创建活动")
    ACTIVITY_UPDATE = "activity_update", _("修改活动")
    ACTIVITY_TRANSITION = "activity_transition", _("活动状态变更")
    SIGNUP_CREATE = "signup_create", _("报名活动")
    SIGNUP_ADMITTED = "signup_admitted", _("录用报名者")
    SIGNUP_REMOVED = "signup_removed", _("移出报名者")
    INVITATION_CREATE = "invitation_create", _("邀请志愿者参加活动")
    FACE_CHECK_RECORD = "face_check_record", _("记录现场人脸核验")
    ATTENDANCE_IN = "attendance_in", _("签到")
    ATTENDANCE_OUT = "attendance_out", _("签退")
    HOURS_DECIDE = "hours_decide", _("审核服务时长")
    HOURS_BACKFILL = "hours_backfill", _("补录服务时长")
    HOURS_DISPUTE_RAISE = "hours_dispute_raise", _("对服务时长提出异议")
    HOURS_DISPUTE_ANSWER = "hours_dispute_answer", _("处理服务时长异议")
    ACTIVE_RANKING_REBUILD = "active_ranking_rebuild", _("重算活跃志愿者排行")

    # Volunteer cards, uniforms, certificates
    CARD_APPLICATION_SUBMIT = "card_application_submit", _("提交志愿者证申请")
    CARD_APPLICATION_WITHDRAW = "card_application_withdraw", _("撤回志愿者证申请")
    CARD_APPLICATION_IDENTITY_CORRECTED = (
        "card_application_identity_corrected",
        _("按更正后的身份信息更新志愿者证申请"),
    )
    UNIFORM_ORDER_CREATE = "uniform_order_create", _("申领志愿者服装")
    UNIFORM_ORDER_CORRECT = "uniform_order_correct", _("更正服装申领的尺码或邮寄地址")
    CERTIFICATE_REQUEST = "certificate.request", _("申请志愿服务证明")
    CERTIFICATE_READY = "certificate.ready", _("志愿服务证明已生成")
    CERTIFICATE_FAILED = "certificate.failed", _("志愿服务证明生成失败")
    CERTIFICATE_REVOKE = "certificate.revoke", _("撤销志愿服务证明")

    # Operations
    ALERT_RESOLVE = "alert_resolve", _("处理文件交换告警")
    NOTIFICATION_MARK_READ = "notification_mark_read", _("站内消息标为已读")
    WORK_CALENDAR_ADD = "work_calendar_add", _("新增年度工作日历")
    WORK_CALENDAR_CHANGE = "work_calendar_change", _("修改年度工作日历")
    WORK_CALENDAR_DELETE = "work_calendar_delete", _("删除年度工作日历")
    HELP_CATEGORY_ADD = "help_category_add", _("新增帮助分类")
    HELP_CATEGORY_CHANGE = "help_category_change", _("修改帮助分类")
    HELP_CATEGORY_DELETE = "help_category_delete", _("删除帮助分类")
    HELP_QUESTION_ADD = "help_question_add", _("新增常见问题")
    HELP_QUESTION_CHANGE = "help_question_change", _("修改常见问题")
    HELP_QUESTION_DELETE = "help_question_delete", _("删除常见问题")
    HELP_DOWNLOAD_ADD = "help_download_add", _("新增下载资料")
    HELP_DOWNLOAD_CHANGE = "help_download_change", _("修改下载资料")
    HELP_DOWNLOAD_DELETE = "help_download_delete", _("删除下载资料")
