"""An import starts without loading the site (issue 38): Django's system checks import the whole URL configuration —
every view, matplotlib, scipy — about 1.5 s before each command, most of a one-region import. The importers skip
them (elections.importing.Importer.requires_system_checks); this runs each as a user would, on a file that is not
there, and fails if the page code came in before the refusal."""

import subprocess
import sys

import pytest
from django.conf import settings

IMPORTERS = [
    "import_cec",
    "import_spb2021",
    "import_uik_table",
    "import_candidates",
    "import_district_results",
    "import_district_precincts",
    "import_polls",
    "import_smartvote_facts",
    "import_address_ranges",
    "import_violations",
    "import_public_record",
]


@pytest.mark.parametrize("command", IMPORTERS)
def test_an_import_loads_no_page_code(command, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "VECHE_DEMO": "1", "VECHE_VAR_DIR": str(tmp_path / "var")}
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "manage.py", command, str(tmp_path / "nothing.csv")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0 and "nothing.csv" in run.stderr + run.stdout  # refused, naming the file
    loaded = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    # The URL configuration and what only pages need (scipy may be an importer's own: the lookup's station tree).
    assert not {"veche.urls", "matplotlib", "monitor.views", "forensics.views"} & loaded
