"""factory-boy factories that go through the services, so test data obeys the same rules
as real data."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from volunteers import identity, services
from volunteers.models import Organisation, Volunteer
from volunteers.roles import HOTLINE_GROUP, OPERATIONS_GROUP

_seq = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        for name in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        self.save()


def hotline_user(**kwargs) -> object:
    return UserFactory(groups=[HOTLINE_GROUP], **kwargs)


def operations_user(**kwargs) -> object:
    return UserFactory(groups=[OPERATIONS_GROUP], **kwargs)


class OrganisationFactory(factory.Factory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试志愿服务组织{n}")
    code = factory.Sequence(lambda n: f"ORG{n:06d}")
    kind = Organisation.Kind.ORGANISATION
    parent = None
    city_code = "440100"

    @classmethod
    def _create(cls, model_class, **kwargs) -> Organisation:
        return services.organisation_create(**kwargs)

    @classmethod
    def _build(cls, model_class, **kwargs) -> Organisation:
        return services.organisation_create(**kwargs)


def mainland_id(*, birth: dt.date = dt.date(1995, 6, 15), male: bool = True) -> str:
    return identity.make_mainland_id(
        province_city="440103", birth=birth, seq=next(_seq) % 1000, male=male
    )


def make_volunteer(
    *,
    organisations: list[Organisation] | None = None,
    approve: bool = True,
    birth: dt.date = dt.date(1995, 6, 15),
    id_type: str = "01",
    id_number: str | None = None,
    name: str = "张小明",
    city_code: str = "440100",
    **extra,
) -> Volunteer:
    """Register a volunteer through the service; memberships approved unless told not to."""
    from volunteers.models import Membership

    n = next(_seq)
    if organisations is None:
        organisations = [OrganisationFactory()]
    if id_number is None:
        id_number = mainland_id(birth=birth) if id_type == "01" else None
    kwargs = dict(
        username=f"vol{n}",
        password="pass-word-123",
        name=name,
        id_type=id_type,
        id_number=id_number,
        id_expiry=dt.date(2099, 1, 1),
        mobile=f"138{n:08d}"[-11:],
        city_code=city_code,
        organisation_ids=[o.pk for o in organisations],
        address="广东省广州市天河区体育西路1号",
        postcode="510000",
    )
    kwargs.update(extra)
    volunteer = services.volunteer_register(**kwargs)
    if approve:
        Membership.objects.filter(volunteer=volunteer).update(status=Membership.Status.APPROVED)
    return volunteer
