# Keyed hashes of name parts are dropped (a dictionary opened them once their key was found), and the time a
# report came in is cut to the hour; then the old bytes are erased from the database files (core.erase).

import core.hours
from django.db import migrations, models
from django.db.models.functions import Trunc


def forget(apps, schema_editor):
    apps.get_model("monitor", "Person").objects.update(name_keys=[])
    Report = apps.get_model("monitor", "Report")
    Report.objects.update(received=Trunc("received", "hour"))


def erase(apps, schema_editor):
    from core.erase import EraseError, scrub

    try:
        scrub(["monitor_person", "monitor_report"])
    except EraseError as exc:  # a busy SQLite WAL, say: the hashes are gone from the tables already
        print(f"\n  The old name hashes are deleted but not yet erased from the files ({exc}); "
              "run `manage.py erase` when the server is stopped.")


class Migration(migrations.Migration):
    atomic = False  # VACUUM FULL (PostgreSQL) runs outside a transaction

    dependencies = [
        ("monitor", "0002_roles_and_cities"),
    ]

    operations = [
        migrations.RunPython(forget, migrations.RunPython.noop),
        migrations.RemoveField(model_name="person", name="name_keys"),
        migrations.AlterField(
            model_name="report",
            name="received",
            field=models.DateTimeField(default=core.hours.this_hour, verbose_name="received"),
        ),
        migrations.RunPython(erase, migrations.RunPython.noop),
    ]
