"""The key chain's statements belong to the shared core (core.SigningStatement) now.

The table is renamed, not copied: no row moves. core's first migration takes
the model over in Django's state.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("veche", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("signingstatement", "core_signingstatement")],
            state_operations=[migrations.DeleteModel("SigningStatement")],
        ),
    ]
