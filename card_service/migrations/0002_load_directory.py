from django.db import migrations

from card_service.directory import load_directory


class Migration(migrations.Migration):
    dependencies = [("card_service", "0001_initial")]

    operations = [migrations.RunPython(load_directory, migrations.RunPython.noop)]
