from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core.models import WorkCalendarDay, WorkCalendarYear

        # The working-day cache follows every edit of the calendar (admin or code).
        for model in (WorkCalendarYear, WorkCalendarDay):
            post_save.connect(_calendar_row_changed, sender=model)
            post_delete.connect(_calendar_row_changed, sender=model)


def _calendar_row_changed(sender, instance, **kwargs) -> None:
    from core.workdays import calendar_changed

    # Edits are rare: forget every year (a moved day may leave another year's cache stale).
    calendar_changed()
