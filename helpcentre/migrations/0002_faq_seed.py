"""The help centre's first questions, from helpcentre/data/faq.toml (the manual's answers)."""

from django.db import migrations


def seed(apps, schema_editor):
    from helpcentre.services import faq_seed

    faq_seed(apps.get_model("helpcentre", "Category"), apps.get_model("helpcentre", "Question"))


class Migration(migrations.Migration):
    dependencies = [("helpcentre", "0001_help_tables")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
