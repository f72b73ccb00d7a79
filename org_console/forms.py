"""The console's forms: they parse and keep what was typed; the rules live in the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from activities.models import Activity
from volunteers.models import Organisation
from volunteers.services import GUANGDONG_CITY_CODES

DAY_ROWS = 5


class ActivityForm(forms.Form):
    name = forms.CharField(label="活动名称", max_length=100)
    kind = forms.ChoiceField(label="活动类型", choices=Activity.Kind.choices)
    category = forms.ChoiceField(label="服务类别", choices=Activity.Category.choices)
    description = forms.CharField(
        label="活动介绍", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    address = forms.CharField(label="活动地点", max_length=200)
    city_code = forms.ChoiceField(label="所在地市", choices=sorted(GUANGDONG_CITY_CODES.items()))
    lat = forms.DecimalField(label="纬度", max_digits=9, decimal_places=6, required=False)
    lng = forms.DecimalField(label="经度", max_digits=9, decimal_places=6, required=False)
    places = forms.IntegerField(label="招募人数", min_value=1)
    contact_name = forms.CharField(label="联系人", max_length=40)
    contact_phone = forms.CharField(label="联系电话", max_length=20)
    members_only = forms.BooleanField(label="只允许本组织志愿者参加", required=False)
    self_checkin = forms.BooleanField(label="启用自行签到签退（招募人数超过50人）", required=False)
    checkin_radius_m = forms.IntegerField(label="自行签到半径（米）", initial=500, min_value=1)
    checkin_before_min = forms.IntegerField(label="开始前可签到（分钟）", initial=60, min_value=0)
    checkin_after_min = forms.IntegerField(label="结束后可签退（分钟）", initial=60, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(DAY_ROWS):
            self.fields[f"day_{i}_date"] = forms.DateField(
                label="日期",
                required=False,
                widget=forms.DateInput(
                    attrs={"type": "date", "aria-label": f"第{i + 1}天日期"}, format="%Y-%m-%d"
                ),
            )
            self.fields[f"day_{i}_start"] = forms.TimeField(
                label="开始",
                required=False,
                widget=forms.TimeInput(
                    attrs={"type": "time", "aria-label": f"第{i + 1}天开始时间"}, format="%H:%M"
                ),
            )
            self.fields[f"day_{i}_end"] = forms.TimeField(
                label="结束",
                required=False,
                widget=forms.TimeInput(
                    attrs={"type": "time", "aria-label": f"第{i + 1}天结束时间"}, format="%H:%M"
                ),
            )

    def _bound(self, names: str) -> list[Any]:
        return [self[n] for n in names.split()]

    def basic_fields(self) -> list[Any]:
        return self._bound("name kind category description")

    def place_fields(self) -> list[Any]:
        return self._bound("address city_code lat lng")

    def contact_fields(self) -> list[Any]:
        return self._bound("places contact_name contact_phone")

    def checkin_fields(self) -> list[Any]:
        return self._bound("checkin_radius_m checkin_before_min checkin_after_min")

    def day_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"day_{i}_date"], self[f"day_{i}_start"], self[f"day_{i}_end"])
            for i in range(DAY_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        days: list[tuple[dt.date, dt.time, dt.time]] = []
        for i in range(DAY_ROWS):
            parts = [data.get(f"day_{i}_{k}") for k in ("date", "start", "end")]
            if not any(parts):
                continue
            if not all(parts):
                self.add_error(f"day_{i}_date", "请填写该活动日的日期、开始和结束时间")
                continue
            days.append((parts[0], parts[1], parts[2]))
        data["days"] = days
        return data

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            k: d[k]
            for k in (
                "name",
                "kind",
                "category",
                "description",
                "address",
                "city_code",
                "lat",
                "lng",
                "places",
                "contact_name",
                "contact_phone",
                "members_only",
                "self_checkin",
                "checkin_radius_m",
                "checkin_before_min",
                "checkin_after_min",
            )
        }

    @classmethod
    def initial_from(cls, activity: Activity) -> dict[str, Any]:
        initial = {k: getattr(activity, k) for k in cls.base_fields}
        for i, day in enumerate(activity.days.all()[:DAY_ROWS]):
            initial[f"day_{i}_date"] = day.date
            initial[f"day_{i}_start"] = timezone.localtime(day.starts_at).time()
            initial[f"day_{i}_end"] = timezone.localtime(day.ends_at).time()
        return initial


class BackfillForm(forms.Form):
    volunteer_id = forms.TypedChoiceField(label="志愿者", coerce=int)
    day_id = forms.TypedChoiceField(label="活动日", coerce=int)
    checked_in_at = forms.DateTimeField(
        label="签到时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    checked_out_at = forms.DateTimeField(
        label="签退时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label="补录原因", max_length=200)


class OrganisationProfileForm(forms.ModelForm):
    """The public page's introduction and contacts; labels, lengths and the phone format come
    from the model (the Django admin's form has the same), the service saves and audits."""

    class Meta:
        model = Organisation
        fields = list(Organisation.PROFILE_FIELDS)
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 6, "maxlength": 2000}),
            "verification_note": forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
            "help_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "verification_phone": forms.TextInput(
                attrs={"inputmode": "tel", "autocomplete": "off"}
            ),
        }

    def public_fields(self) -> list[Any]:
        return [self[n] for n in ("intro", "address", "contact_name", "help_phone", "help_email")]

    def verification_fields(self) -> list[Any]:
        return [self[n] for n in ("verification_phone", "verification_note")]
