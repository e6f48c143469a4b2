"""Who checks the declarations' signatures (the organisers and the monitor's editors) and who publishes the photos
of a day of action (the organisers)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "organisers": ["verify_signature", "add_photo", "view_photo", "delete_photo"],
    "editors": ["verify_signature"],
}


def grant(apps, schema_editor):
    config = apps.get_app_config("actions")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="actions", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("actions", "0003_photos"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
