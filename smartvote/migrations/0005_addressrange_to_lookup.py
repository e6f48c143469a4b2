"""The address ranges belong to the lookup app (lookup.AddressRange) now.

The table is renamed, not copied: no row moves. lookup's first migration
takes the model over in Django's state.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("smartvote", "0004_listdraft")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("addressrange", "lookup_addressrange")],
            state_operations=[migrations.DeleteModel("AddressRange")],
        ),
    ]
