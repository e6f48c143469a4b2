"""People in reports: pseudonyms, and fuzzy name matching on keyed hashes only.

A name is never kept readable without consent, yet moderators must see that
"Иванов Иван" on 31 January in St Petersburg and "Иван Иванoв" (a typo) in
another report are likely one person. Each part of the normalised name is
stored as keyed hashes (veche.sealing) of the part itself and of every
variant with one letter deleted: two parts within one typo of each other
(a letter missing, added or changed) share one of these hashes. Initials
("И.") are stored as a hash of the letter and match any part that begins
with it. Whoever takes the database without the pepper learns nothing from
them; with the pepper they could only test names they already suspect.
"""

import re
import secrets
from itertools import permutations

from veche.sealing import keyed_hash

PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ23456789"  # no 0/O, 1/I/Q lookalikes
FOLD = str.maketrans({"ё": "е", "й": "и", "ъ": "ь"})
# Latin letters that look like Cyrillic ones, typed by mistake or to dodge filters.
LOOKALIKES = str.maketrans("aceopxykmtbh", "асеорхукмтвн")


def new_pseudonym() -> str:
    return "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(6))


def name_parts(name: str) -> list[str]:
    name = name.lower().translate(LOOKALIKES).translate(FOLD)
    return sorted(p for p in re.split(r"[^\w]+", name) if p and not p.isdigit())


def _hash(text: str) -> str:
    return keyed_hash("monitor-name", text)[:16]


def name_keys(name: str) -> list[list[str]]:
    """Per part: [hash of its first letter] for an initial, else its hash and its one-deletion hashes."""
    keys = []
    for part in name_parts(name):
        if len(part) == 1:
            keys.append(["i" + _hash("^" + part)])
            continue
        variants = {part} | ({part[:i] + part[i + 1:] for i in range(len(part))} if len(part) >= 4 else set())
        keys.append(["i" + _hash("^" + part[0]), *sorted(_hash(v) for v in variants)])
    return keys


def _part_match(a: list[str], b: list[str]) -> str:
    """"full" when two parts share a hash, "initial" when only the first letter agrees, else ""."""
    if len(a) > 1 and len(b) > 1 and set(a[1:]) & set(b[1:]):
        return "full"
    return "initial" if a[0] == b[0] and (len(a) == 1 or len(b) == 1) else ""


def same_person(a: list[list[str]], b: list[list[str]]) -> bool:
    """Each part of the shorter name matches a different part of the other, at least one in full.

    Every pairing is tried (names have a few parts): "Иванов И. И." must pair
    the surname with the surname, not an initial with it."""
    if not a or not b or max(len(a), len(b)) > 6:
        return False
    short, other = sorted((a, b), key=len)
    for pairing in permutations(range(len(other)), len(short)):
        matches = [_part_match(part, other[j]) for part, j in zip(short, pairing, strict=True)]
        if all(matches) and "full" in matches:
            return True
    return False
