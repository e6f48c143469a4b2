"""The staff roles (moderators verify, reject and merge; editors also publish) and the cities list."""

import csv
from pathlib import Path

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "moderators": ["moderate_report", "view_report", "view_person", "view_case", "view_event", "view_city"],
    "editors": ["moderate_report", "publish_report", "view_report", "view_person", "change_person", "view_case",
                "change_case", "add_event", "change_event", "view_event", "add_city", "change_city", "view_city"],
}


def create_roles(apps, schema_editor):
    config = apps.get_app_config("monitor")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="monitor", codename__in=codenames))
    City = apps.get_model("monitor", "City")
    with open(Path(__file__).resolve().parent.parent / "fixtures" / "cities.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            City.objects.get_or_create(name=row["name"], defaults={
                "region": row["region"], "latitude": float(row["latitude"]), "longitude": float(row["longitude"])})


class Migration(migrations.Migration):
    dependencies = [("monitor", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
