"""The "organisers" group: the staff role that reviews forecasts, overrides picks and publishes lists."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ["add_override", "view_override", "add_listversion", "view_listversion", "add_forecast",
               "view_forecast", "add_candidatefact", "change_candidatefact", "delete_candidatefact",
               "view_candidatefact", "change_electionsetup", "view_electionsetup", "view_backtest"]


def create_group(apps, schema_editor):
    # Permissions are made after all migrations; make smartvote's now (the
    # stub app config of a migration needs models_module set for that).
    config = apps.get_app_config("smartvote")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="organisers")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="smartvote", codename__in=PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [("smartvote", "0002_forecast"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
