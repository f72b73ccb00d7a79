"""0004 dropped the partial unique index ``one_open_card_per_volunteer`` on PostgreSQL: taking
the plain index off ``volunteer_id`` also removed every other single-column index on it. The
model state still has the constraint; this puts it back in the database where it is missing."""

from django.db import migrations


def restore(apps, schema_editor):
    model = apps.get_model("card_service", "CardApplication")
    constraint = next(c for c in model._meta.constraints if c.name == "one_open_card_per_volunteer")
    with schema_editor.connection.cursor() as cursor:
        existing = schema_editor.connection.introspection.get_constraints(
            cursor, model._meta.db_table
        )
    if constraint.name not in existing:
        schema_editor.add_constraint(model, constraint)


class Migration(migrations.Migration):
    dependencies = [("card_service", "0005_card_spend_lean")]

    operations = [migrations.RunPython(restore, migrations.RunPython.noop)]
