"""Imported first by a benchmark: puts the project on the path and starts Django
with the settings `manage.py` uses (DATABASE_URL selects the database)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veche.settings")

import django

django.setup()
