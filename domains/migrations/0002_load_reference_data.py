from django.db import migrations

from domains.loaders import load_catalogue, load_framework


def forwards(apps, schema_editor):
    load_framework(apps, "saf-2024.json")
    load_catalogue(apps, "domain_catalogue.json")


class Migration(migrations.Migration):
    dependencies = [("domains", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
