"""An organisation added or moved in the Django admin takes its place in the tree: its path
follows its parent's and a moved subtree moves with it; a node cannot go under itself."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from core.errors import ValidationFailed
from core.models import AuditLog
from volunteers import services
from volunteers.models import Organisation

pytestmark = pytest.mark.django_db


def _org(name: str, code: str, parent: Organisation | None = None) -> Organisation:
    return services.organisation_create(
        name=name, code=code, kind=Organisation.Kind.GROUP, parent=parent, city_code="440100"
    )


def _form(org_name: str, code: str, parent: Organisation | None) -> dict[str, str]:
    return {
        "name": org_name,
        "code": code,
        "kind": Organisation.Kind.GROUP,
        "parent": str(parent.pk) if parent else "",
        "city_code": "440100",
        "intro": "",
        "address": "",
        "contact_name": "",
        "help_phone": "",
        "help_email": "",
        "verification_phone": "",
        "verification_note": "",
    }


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("root-tree", "r@example.org", "x")
    client.force_login(user)
    return client


def test_an_organisation_added_in_the_admin_gets_its_path(superuser_client):
    top = _org("树甲", "T-A")
    response = superuser_client.post(
        "/admin/volunteers/organisation/add/", _form("树乙", "T-B", top)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = Organisation.objects.get(code="T-B")
    assert added.path == f"{top.path}{added.pk}/"


def test_a_new_parent_moves_the_whole_subtree(superuser_client):
    a, b = _org("树甲", "T-A"), _org("树乙", "T-B")
    child = _org("树丙", "T-C", a)
    grandchild = _org("树丁", "T-D", child)
    response = superuser_client.post(
        f"/admin/volunteers/organisation/{child.pk}/change/", _form("树丙", "T-C", b)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    child.refresh_from_db()
    grandchild.refresh_from_db()
    assert child.path == f"{b.path}{child.pk}/"
    assert grandchild.path == f"{b.path}{child.pk}/{grandchild.pk}/"
    assert AuditLog.objects.filter(action="organisation_move", target_id=str(child.pk)).exists()


def test_a_node_cannot_go_under_its_own_subtree(superuser_client):
    a = _org("树甲", "T-A")
    child = _org("树丙", "T-C", a)
    response = superuser_client.post(
        f"/admin/volunteers/organisation/{a.pk}/change/", _form("树甲", "T-A", child)
    )
    assert response.status_code == 200
    assert "上级组织不能是本组织或其下级组织" in response.content.decode()
    a.refresh_from_db()
    assert a.parent_id is None and a.path == f"/{a.pk}/"
    a.parent = child
    with pytest.raises(ValidationFailed):
        services.organisation_tree_place(organisation=a)
