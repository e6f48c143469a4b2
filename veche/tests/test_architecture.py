"""The layout holds: which app may import which, and who may write SQL on whose tables (docs/architecture.md).

* ``core`` (the shared helpers) imports no other app of the project;
* ``elections`` (the data core) imports only ``core``;
* a tool imports ``core``, ``elections``, and another tool only through a
  public function named in ALLOWED below (never its models, views or
  private helpers), so that a tool can change its insides freely;
* nothing but the shell imports the shell (``veche``);
* no SQL string outside an app names that app's tables;
* the vote's protocol kernel (KERNEL) imports without Django.

The walk reads every module's imports, those inside functions too; tests,
benchmarks and migrations are left out of the import rules (tests drive
several apps at once; a migration is history).
"""

import ast
import dataclasses
import inspect
import os
import re
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SHELL, CORE, DATA_CORE = "veche", "core", "elections"
TOOLS = {"lookup", "smartvote", "pledges", "monitor", "forensics", "vote", "actions", "initiatives"}
PROJECT = {SHELL, CORE, DATA_CORE, *TOOLS}

# Every door from one tool into another: (importing app, module, name). Each must be a public function.
ALLOWED = {
    ("lookup", "smartvote.publish", "published_picks"),  # the pick shown with each contest of the ballot
    ("lookup", "smartvote.publish", "PublishedPick"),  # ... its type
    ("lookup", "smartvote.publish", "in_force"),  # the signed versions in force, which the mirror carries
    ("lookup", "smartvote.publish", "last_published_day"),  # the mirror's default election day
    ("lookup", "actions.letters", "letter_sheet"),  # the prisoners' letter addresses and advice, in the mirror
    ("lookup", "actions.letters", "LetterSheet"),  # ... its type
    ("smartvote", "forensics.data", "cleaned_excess"),  # the forecast takes the estimated added ballots out
    ("actions", "pledges.signup", "normalise"),  # one reading of an e-mail address for every sign-up
    ("actions", "monitor.intake", "take_detention_at"),  # "I was detained" files a monitor report
    ("actions", "monitor.intake", "ActionSpot"),  # ... where: the action's event, city and spot
    ("actions", "monitor.intake", "check_rate"),  # under the monitor's own limit for reports
    ("initiatives", "pledges.signup", "open_supporters"),  # a published proposal's supporters: a sealed campaign
    ("initiatives", "pledges.signup", "supporters"),  # ... their counts (never anyone in them)
    ("initiatives", "pledges.signup", "Supporters"),  # ... their type
    ("initiatives", "pledges.signup", "progress"),  # ... the share of the threshold, as the pledges' bar shows it
    ("initiatives", "vote.store", "vote_outcome"),  # the vote a proposal went to: its phase and result
    ("initiatives", "vote.store", "VoteOutcome"),  # ... its type
    ("actions", "monitor.prisoners", "prisoners"),  # the consented prisoners' records: the list, letters, API
    ("actions", "monitor.prisoners", "prisoner"),  # one of them, by pseudonym
    ("actions", "monitor.prisoners", "unnamed_in_custody"),  # how many more, a number only
}


def sources(include_tests: bool = False):
    for app in sorted(PROJECT):
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or (("tests" in parts or path.name == "test_settings.py") and not include_tests):
                continue
            yield app, path


def imports(path: Path):
    """(module, [names]) of every absolute import in the file, and of the dynamic routes around an import
    statement: ``import_module("app.x")`` and ``__import__`` (the whole module), ``apps.get_model("app.Model")``
    or ``get_model("app", "Model")`` (that app's model, as ``from app.models import Model`` would give it)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            literal = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if called in ("import_module", "__import__") and literal:
                yield literal[0], []
            elif called == "get_model" and literal:
                app, _, model = literal[0].partition(".")
                if len(literal) > 1:
                    app, model = literal[0], literal[1]
                yield f"{app}.models", [model]


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def problems_of(app: str, path: Path) -> list[str]:
    found = []
    for module, names in imports(path):
        target = module.split(".")[0]
        if target not in PROJECT or target == app:
            continue
        where = f"{shown(path)} imports {module}"
        if app == SHELL:
            continue  # the shell gathers every app's routers and URLs
        if target == SHELL:
            found.append(f"{where}: only the shell imports the shell")
        elif app == CORE:
            found.append(f"{where}: the core imports no app of the project")
        elif app == DATA_CORE and target != CORE:
            found.append(f"{where}: the data core imports only the core")
        elif app in TOOLS and target in TOOLS:
            if not names:
                found.append(f"{where}: a whole tool module, not a named function")
            for name in names:
                if (app, module, name) not in ALLOWED:
                    found.append(f"{where}.{name}: not a door between tools (ALLOWED)")
    return found


def test_every_import_keeps_to_the_layout():
    found = [p for app, path in sources() for p in problems_of(app, path)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("app", "module", "name"), sorted(ALLOWED))
def test_every_door_between_tools_is_a_public_function_or_its_type(app, module, name):
    """A door is a function, or the frozen dataclass a function takes or returns (never a model, a view, a form)."""
    assert not name.startswith("_")
    door = getattr(import_module(module), name)
    typed = inspect.isclass(door) and dataclasses.is_dataclass(door) and door.__dataclass_params__.frozen
    assert inspect.isfunction(door) or typed, f"{module}.{name} is neither a function nor a frozen dataclass"


UNTYPED = {"dict", "list", "tuple", "set", "Dict", "List", "Tuple"}


def untyped_parts(annotation: ast.expr | None, returned: bool) -> list[str]:
    """What in an annotation says nothing of the values: none at all, a container without its element types
    (``dict``, ``list[dict]``), or a returned ``Any``."""
    if annotation is None:
        return ["no annotation"]
    if returned and ast.unparse(annotation) == "Any":
        return ["Any"]
    subscripted = {id(node.value) for node in ast.walk(annotation) if isinstance(node, ast.Subscript)}
    return [
        f"bare {node.id}"
        for node in ast.walk(annotation)
        if isinstance(node, ast.Name) and node.id in UNTYPED and id(node) not in subscripted
    ]


def door_problems(module: str, name: str) -> list[str]:
    """How the function ``module.name`` fails to say what it takes and returns (nothing for a class)."""
    path = ROOT / Path(*module.split(".")).with_suffix(".py")
    if not path.exists():
        return []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            found = [f"returns: {p}" for p in untyped_parts(node.returns, returned=True)]
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            found += [
                f"{a.arg}: {p}"
                for a in args
                if a.arg not in ("self", "cls")
                for p in untyped_parts(a.annotation, False)
            ]
            return found
    return []


def doors() -> set[tuple[str, str]]:
    """Every (module, name) one app imports from another (the shell's gathering of routers and URLs aside)."""
    found = set()
    for app, path in sources():
        if app == SHELL:
            continue
        for module, names in imports(path):
            target = module.split(".")[0]
            if target in PROJECT and target != app:
                found.update((module, name) for name in names)
    return found


def test_every_door_between_apps_says_what_it_takes_and_returns():
    """A function one app calls in another annotates every parameter and its result, and no container in them
    hides its elements (issue 36: a reader follows a call from a page to its data by its types)."""
    found = [f"{module}.{name}: {p}" for module, name in sorted(doors()) for p in door_problems(module, name)]
    assert not found, "\n".join(found)


def test_the_door_check_sees_an_untyped_door():
    parse = lambda text: ast.parse(text).body[0]  # noqa: E731
    assert untyped_parts(parse("x: list[dict]").annotation, False) == ["bare dict"]
    assert untyped_parts(parse("x: dict[str, list[int]]").annotation, True) == []
    assert untyped_parts(parse("x: Any").annotation, True) == ["Any"]
    assert untyped_parts(None, False) == ["no annotation"]
    assert ("elections.stats", "contest_totals") in doors() and not door_problems("elections.stats", "contest_totals")


def test_the_walk_sees_a_forbidden_import(tmp_path):
    """The rules catch what they are for (a check that cannot fail proves nothing)."""
    forbidden = {
        "core": "from elections.models import Election\n",
        "elections": "def f():\n    from smartvote.forecast import save\n",
        "smartvote": "from lookup.models import AddressRange\n",
        "lookup": "import smartvote.publish\n",
        "monitor": "from veche.urls import urlpatterns\n",
        "actions": "from django.apps import apps\nReport = apps.get_model('monitor.Report')\n",
        "pledges": "from django.apps import apps\nReport = apps.get_model('monitor', 'Report')\n",
        "forensics": "import importlib\nforecast = importlib.import_module('smartvote.forecast')\n",
        "vote": "signup = __import__('pledges.signup')\n",
    }
    for app, code in forbidden.items():
        assert problems_of(app, write(tmp_path, code)), (app, code)
    assert not problems_of("lookup", write(tmp_path, "from smartvote.publish import published_picks\n"))
    assert not problems_of("monitor", write(tmp_path, "from core.sealing import seal\n"))


# The vote's protocol kernel: what the offline tool (trustees, the credential authority, the registrar) and the
# verifiers run on a machine with Python and PyNaCl alone. It must import no Django, directly or through another
# module: otherwise the offline tool fails where it matters, and the kernel's behaviour could hang on settings.
KERNEL = [
    "core.signing",
    "vote.documents",
    "vote.group",
    "vote.proofs",
    "vote.ballots",
    "vote.ceremony",
    "vote.board",
    "vote.offline",
]


def imports_without_django(modules: list[str]) -> subprocess.CompletedProcess:
    """Import the modules in a fresh interpreter where Django cannot be imported at all (as on the offline
    machine), with no settings module named."""
    code = "import sys\nsys.modules['django'] = None\n" + "".join(f"import {m}\n" for m in modules)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)


def test_the_vote_kernel_imports_no_django():
    done = imports_without_django(KERNEL)
    assert done.returncode == 0, done.stderr[-2000:]
    # The contract can fail: a module of the vote that reaches Django (its store) is refused the same way.
    refused = imports_without_django([*KERNEL, "vote.store"])
    assert refused.returncode != 0 and "django" in refused.stderr


def write(tmp_path: Path, code: str) -> Path:
    path = tmp_path / "probe.py"
    path.write_text(code)
    return path


def tables_by_app() -> dict[str, str]:
    return {m._meta.db_table: m._meta.app_label for m in apps.get_models(include_auto_created=True)}


def strings(path: Path):
    """Every string literal of the file, f-strings' literal parts included, with its line."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def foreign_tables(app: str, path: Path, owner: dict[str, str]) -> list[str]:
    found = []
    for line, text in strings(path):
        for table in re.findall(r"\b[a-z]+_[a-z_]+\b", text):
            if owner.get(table, app) != app:
                found.append(f"{shown(path)}:{line} names {table} of {owner[table]}")
    return found


def test_no_app_writes_sql_on_another_apps_tables():
    """Only the owner of a table queries it by name (elections.frames for the data core's): a renamed field
    then breaks the owner's queries and their tests, not another app's silently."""
    owner = tables_by_app()
    assert owner["elections_protocol"] == "elections" and owner["forensics_cleanedresult"] == "forensics"
    found = [p for app, path in sources() if app != SHELL for p in foreign_tables(app, path, owner)]
    assert not found, "\n".join(found)


def test_the_grep_sees_a_foreign_table(tmp_path):
    owner = tables_by_app()
    assert foreign_tables("smartvote", write(tmp_path, 'SQL = f"SELECT id FROM elections_vote WHERE {x}"\n'), owner)
    assert not foreign_tables("elections", write(tmp_path, 'SQL = "SELECT id FROM elections_vote"\n'), owner)
