"""Every string a user sees has its Russian: the catalogue is complete, current and compiled.

`makemessages` is run on a copy of the sources (templates, Python, JavaScript-free): a string added to the
code and not to the catalogue, an entry left empty or fuzzy, or a catalogue not compiled again all fail here.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PO = settings.BASE_DIR / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def entries(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid → (msgstr, fuzzy) of a .po file (plural forms by their singular, their first form)."""
    found = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue  # obsolete
        msgid = re.search(r'^msgid ((?:".*"\n)+)', block + "\n", re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block + "\n", re.M)
        if not msgid or not msgstr:
            continue
        key = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', msgid.group(1)))
        if key:
            value = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', msgstr.group(1)))
            found[key] = (value, "#, fuzzy" in block or ", fuzzy" in block)
    return found


def test_no_entry_is_untranslated_or_fuzzy():
    catalogue = entries(PO)
    assert len(catalogue) > 500
    empty = [k for k, (v, _f) in catalogue.items() if not v]
    fuzzy = [k for k, (_v, f) in catalogue.items() if f]
    assert not empty, f"untranslated: {empty[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_the_catalogue_holds_every_string_of_the_code(tmp_path):
    """makemessages on a copy of the sources finds no string the catalogue lacks."""
    root = settings.BASE_DIR
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "__pycache__", "*.mo", ".*cache")
    shutil.copytree(root, copy, ignore=ignore, symlinks=True)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "ru", "--no-obsolete", "--verbosity", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "VECHE_DEMO": "1", "VECHE_VAR_DIR": str(tmp_path / "var")},
    )
    fresh = entries(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po")
    missing = sorted(k for k, (v, _f) in fresh.items() if not v or _f)
    assert not missing, f"strings in the code without their Russian (make messages, then translate): {missing[:10]}"


def test_the_compiled_catalogue_is_current(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(PO)], check=True)
    assert compiled.read_bytes() == PO.with_suffix(".mo").read_bytes(), "compile the catalogue: make messages"
