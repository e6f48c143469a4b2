"""Reports' districts under the names the election data give them ("Васильеостровский район" was counted apart
from "Василеостровский район"), as the intake now files new ones (monitor.intake.check_violation)."""

import difflib

from django.db import migrations


def rename(apps, schema_editor):
    Report = apps.get_model("monitor", "Report")
    Precinct = apps.get_model("elections", "Precinct")
    known = set(Precinct.objects.exclude(city_district="").values_list("city_district", flat=True))
    for area in set(Report.objects.exclude(area="").values_list("area", flat=True)) - known:
        close = difflib.get_close_matches(area, known, n=2, cutoff=0.9)
        if len(close) == 1:
            Report.objects.filter(area=area).update(area=close[0])


class Migration(migrations.Migration):
    dependencies = [("monitor", "0003_no_name_hashes_received_to_the_hour"), ("elections", "0001_initial")]
    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
