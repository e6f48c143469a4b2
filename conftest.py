"""Fixtures shared by every app's tests: the real data, imported once.

The session's test database gets the St Petersburg 2021 elections and the
2021 and 2011 national CEC tables, the way `make run` and an organiser would import
them. Tests run inside transactions on top of that and are rolled back.
"""

import pytest
from django.conf import settings
from django.core.management import call_command

DATA = settings.SHARED_DATA_DIR
SPB = DATA / "spb-2021"
FEDERAL = DATA / "russia-federal"


def pytest_report_header(config):
    return f"database: {settings.DATABASES['default']['ENGINE']} {settings.DATABASES['default']['NAME']}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    if not SPB.exists():
        pytest.exit(f"real data not found at {DATA}: clone the repository with ../shared beside it", returncode=1)
    with django_db_blocker.unblock():
        call_command("import_spb2021", str(SPB), verbosity=0)
        call_command("import_cec", str(FEDERAL / "2021.csv.zip"), verbosity=0)
        call_command("import_cec", str(FEDERAL / "2011.csv.zip"), verbosity=0)
