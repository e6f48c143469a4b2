import io

import pytest
from django.core.management import call_command

FIXTURE = "lookup/tests/fixtures/spb_address_ranges.csv"


@pytest.fixture
def ranges(db):
    """The example address ranges, inside the test's transaction.

    Not for browser tests: the site's server thread has its own connection
    and does not see this transaction's rows.
    """
    call_command("import_address_ranges", FIXTURE, stdout=io.StringIO())
