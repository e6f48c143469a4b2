"""How far the demo's data have loaded: `make run` serves the site at once and loads the demo beside it.

A fresh clone took minutes to show its first page because the server waited for every import (about a minute quiet,
several on a loaded machine). Now `make run` starts the server after the migrations and runs `manage.py demo
--progress` in the background; the command writes its step here and every page shows it in the demo's banner, so
a visitor sees why a page is still empty and when it will fill. The file holds step numbers and the English name of
a step, nothing about anyone; it goes when the demo is loaded, and stays with the error when a step fails.
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

STOPPED = "stopped"


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` steps finished; ``step``: the English name of the one running (translated when shown);
    ``failed``: the error that stopped it, when one did."""

    done: int
    total: int
    step: str
    failed: str = ""

    def label(self) -> str:
        """The step's name in the page's language (the names are marked for translation in the demo command)."""
        return gettext(self.step)

    @property
    def stopped(self) -> bool:
        """Stopped with the server rather than by an error (the command records STOPPED then)."""
        return self.failed == STOPPED

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def path() -> Path:
    return Path(settings.VAR_DIR) / "demo-progress.json"


def record(progress: Progress) -> None:
    """Written whole and renamed into place, so a page never reads half a file."""
    target = path()
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(asdict(progress), ensure_ascii=False), encoding="utf-8")
    os.replace(partial, target)


def finish() -> None:
    path().unlink(missing_ok=True)


def current() -> Progress | None:
    """The demo's progress while it loads (or where it stopped); None when it is loaded or was never started so."""
    try:
        data = json.loads(path().read_text(encoding="utf-8"))
        return Progress(int(data["done"]), int(data["total"]), str(data["step"]), str(data.get("failed", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
