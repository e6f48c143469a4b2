"""Editors keep the prisoners' records: places of detention, recognitions, hunger strikes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    f"{verb}_{model}" for model in ("facility", "recognition", "hungerstrike") for verb in ("add", "change", "view")
]


def grant(apps, schema_editor):
    config = apps.get_app_config("monitor")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="editors")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="monitor", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("monitor", "0005_prisoners_records")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
