"""The key chain's statements, taken over from the shell app: its migration renamed the table; this one only
tells Django's state, and moves the content type so that permissions given on it stay given."""

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model="signingstatement").exists():
        ContentType.objects.filter(app_label="veche", model="signingstatement").update(app_label="core")


class Migration(migrations.Migration):
    initial = True

    dependencies = [("veche", "0002_signingstatement_to_core"), ("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SigningStatement",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("root", models.CharField(max_length=60)),
                        ("seq", models.PositiveIntegerField()),
                        ("payload", models.TextField()),
                        ("signature", models.CharField(max_length=100)),
                    ],
                    options={
                        "verbose_name": "key-chain statement",
                        "verbose_name_plural": "key-chain statements",
                        "ordering": ["root", "seq"],
                        "constraints": [models.UniqueConstraint(fields=("root", "seq"), name="statement_once")],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
