"""docs/threat-model.md: every claim names a test that tries to break it, and every test it names exists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "threat-model.md"
REFERENCE = re.compile(r"\[test: ([\w/]+\.py)::(\w+)\]")


def claims() -> list[str]:
    section = DOC.read_text().split("## Claims", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- ")]


def test_every_claim_names_a_test_that_exists():
    assert len(claims()) >= 20
    missing = []
    for claim in claims():
        references = REFERENCE.findall(claim)
        if not references:
            missing.append(("no test", claim[:80]))
        for path, name in references:
            file = ROOT / path
            defined = (
                {node.name for node in ast.walk(ast.parse(file.read_text())) if isinstance(node, ast.FunctionDef)}
                if file.exists()
                else set()
            )
            if name not in defined:
                missing.append((f"{path}::{name}", claim[:80]))
    assert missing == []


def test_the_votes_table_of_who_can_do_what_names_tests_that_exist():
    """docs/vote.md's threat model: each row that says what an adversary cannot do names the test that tries it
    (issue 32), and every test it names exists."""
    section = (ROOT / "docs" / "vote.md").read_text().split("## Threat model", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| adversary")]
    assert len(rows) >= 15
    missing = []
    for row in rows:
        references = REFERENCE.findall(row)
        if not references and "(the same test)" not in row:
            missing.append(("no test", row[:80]))
        for path, name in references:
            file = ROOT / path
            tree = ast.parse(file.read_text()) if file.exists() else ast.parse("")
            if name not in {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}:
                missing.append((f"{path}::{name}", row[:80]))
    assert missing == []
