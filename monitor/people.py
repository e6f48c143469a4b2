"""People in reports: pseudonyms, and fuzzy name matching.

A name is never kept readable without consent, yet moderators must see that
"Иванов Иван" on 31 January in St Petersburg and "Иван Иванoв" (a typo) in
another report are likely one person. That comparison runs offline, where
the organisers' private key opens the sealed names (monitor_duplicates):
the server keeps nothing derived from a name, since anything it could
compare, a dictionary could test (keyed hashes of name parts were
recovered by a 300,000-word dictionary in seconds once the key was found).

Each part of the normalised name becomes the part itself and every variant
with one letter deleted: two parts within one typo of each other (a letter
missing, added or changed) share one of them. Initials ("И.") match any part
that begins with the letter.
"""

import re
import secrets
from itertools import permutations

PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ23456789"  # no 0/O, 1/I/Q lookalikes
FOLD = str.maketrans({"ё": "е", "й": "и", "ъ": "ь"})
# Latin letters that look like Cyrillic ones, typed by mistake or to dodge filters.
LOOKALIKES = str.maketrans("aceopxykmtbh", "асеорхукмтвн")


def new_pseudonym() -> str:
    return "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(6))


def name_parts(name: str) -> list[str]:
    name = name.lower().translate(LOOKALIKES).translate(FOLD)
    return sorted(p for p in re.split(r"[^\w]+", name) if p and not p.isdigit())


def name_keys(name: str) -> list[list[str]]:
    """Per part: [its first letter] for an initial, else its first letter, itself and its one-deletion variants.
    Made in memory on the offline machine and never stored."""
    keys = []
    for part in name_parts(name):
        if len(part) == 1:
            keys.append(["^" + part])
            continue
        variants = {part} | ({part[:i] + part[i + 1 :] for i in range(len(part))} if len(part) >= 4 else set())
        keys.append(["^" + part[0], *sorted(variants)])
    return keys


def _part_match(a: list[str], b: list[str]) -> str:
    """ "full" when two parts share a variant, "initial" when only the first letter agrees, else ""."""
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


def free_pseudonym() -> str:
    """A pseudonym no person has yet."""
    from monitor.models import Person

    while True:
        pseudonym = new_pseudonym()
        if not Person.objects.filter(pseudonym=pseudonym).exists():
            return pseudonym
