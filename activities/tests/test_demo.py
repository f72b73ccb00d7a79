import pytest

from activities import demo
from activities.models import Activity
from activities.selectors import volunteer_hours
from volunteers import demo as volunteers_demo
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def test_the_demo_gives_xiaoming_hours_and_runs_twice():
    volunteers_demo.seed()
    demo.seed()
    demo.seed()
    assert Activity.objects.filter(organisation__code="O0001").count() == 2
    xiaoming = Volunteer.objects.get(user__username="xiaoming")
    assert volunteer_hours(xiaoming).service == 7.5
