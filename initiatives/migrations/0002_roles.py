"""Who publishes or refuses proposals and their arguments, sends them to a vote and answers the result: the
organisers and the moderators."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {"organisers": ["moderate_proposal"], "moderators": ["moderate_proposal"]}


def grant(apps, schema_editor):
    config = apps.get_app_config("initiatives")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="initiatives", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
