"""Seed the working-day calendar from ``chinesecalendar`` for every year it knows."""

from django.db import migrations


def seed(apps, schema_editor):
    from core.workdays import calendar_seed_from_package

    calendar_seed_from_package(
        apps.get_model("core", "WorkCalendarYear"), apps.get_model("core", "WorkCalendarDay")
    )


def unseed(apps, schema_editor):
    apps.get_model("core", "WorkCalendarYear").objects.filter(
        notice__startswith="chinesecalendar"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_calendar_tables")]

    operations = [migrations.RunPython(seed, unseed)]
