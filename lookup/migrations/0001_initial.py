"""The address ranges, taken over from smartvote: its migration 0005 renamed the table; this one only tells
Django's state, and moves the content type so that permissions given on it stay given."""

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="lookup", model="addressrange").exists():
        ContentType.objects.filter(app_label="smartvote", model="addressrange").update(app_label="lookup")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("elections", "0001_initial"),
        ("smartvote", "0005_addressrange_to_lookup"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AddressRange",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("street", models.CharField(max_length=200)),
                        ("street_key", models.CharField(db_index=True, max_length=200)),
                        ("street_kind", models.CharField(blank=True, default="", max_length=20)),
                        ("house_from", models.PositiveIntegerField()),
                        ("house_to", models.PositiveIntegerField()),
                        ("parity", models.CharField(choices=[("all", "all"), ("odd", "odd"), ("even", "even")],
                                                    default="all", max_length=4)),
                        ("precinct", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                       related_name="address_ranges", to="elections.precinct")),
                        ("region", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                     related_name="address_ranges", to="elections.region")),
                    ],
                    options={
                        "verbose_name": "address range",
                        "verbose_name_plural": "address ranges",
                        "ordering": ["region", "street_key", "house_from"],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("house_from__lte", models.F("house_to"))),
                                                   name="range_ordered"),
                            models.UniqueConstraint(fields=("region", "street_key", "house_from", "house_to",
                                                            "parity"), name="range_unique"),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
