"""The Django admin speaks Chinese: every model, field and choice of our apps that the admin
shows has a Chinese label."""

from __future__ import annotations

import pytest
from django.contrib import admin

OUR_APPS = {"core", "volunteers", "activities", "card_service", "bank_adapters", "insurance",
            "uniforms", "helpcentre"}  # fmt: skip
# Sizes and codes are the same in any language.
LATIN_CHOICES = {"S", "M", "L", "XL", "XXL", "XXXL"}


def _ours():
    return [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]


@pytest.mark.parametrize("model", _ours(), ids=lambda m: m.__name__)
def test_admin_labels_are_chinese(model):
    assert not str(model._meta.verbose_name).isascii(), model
    english = [
        f.name
        for f in model._meta.get_fields()
        if hasattr(f, "verbose_name") and f.name != "id" and str(f.verbose_name).isascii()
        and not f.auto_created
    ]  # fmt: skip
    assert english == []
    for f in model._meta.fields:
        for value, label in f.choices or []:
            assert not str(label).isascii() or str(label) in LATIN_CHOICES, (f.name, value)


@pytest.mark.django_db
def test_admin_change_list_shows_chinese_headers(client):
    from volunteers.tests.factories import UserFactory, make_volunteer

    make_volunteer()  # one membership row, so the list has its column headers
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/volunteers/membership/").content.decode()
    assert "申请时间" in html and "Applied at" not in html
