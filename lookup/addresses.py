"""Russian addresses as people type them, reduced to something comparable.

"Садовая 108", "ул. Садовая, д. 108-110", "садовая ул 108 спб",
"Садовая улица, дом 108-110" and "садоввая 108" must all reach the same
building. ``parse`` splits a free-text address into the street's name words
(without the kind of street, the city, the words "дом", "корпус"…), the house
number, the korpus and the litera; ``street_similarity`` compares street
names with room for typos. Everything is folded (case, ё→е, punctuation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np

# Kinds of street, with the ways people abbreviate them. They tell little
# about which street is meant (there is a Садовая улица and no Садовый
# проспект), so they are recorded but not required to match.
STREET_KINDS = {
    "улица": ["ул", "улица", "ул-ца"],
    "проспект": ["пр", "пр-т", "прт", "просп", "проспект", "пр-кт", "пркт"],
    "набережная": ["наб", "набережная", "нб"],
    "переулок": ["пер", "переулок", "пер-к"],
    "шоссе": ["ш", "шоссе", "шос"],
    "бульвар": ["б-р", "бульвар", "бул", "бр"],
    "площадь": ["пл", "площадь"],
    "линия": ["линия", "лин"],
    "проезд": ["проезд", "пр-д"],
    "аллея": ["аллея", "ал"],
    "дорога": ["дорога", "дор"],
    "канал": ["канала", "канал", "кан"],
}
KIND_OF = {alias: kind for kind, aliases in STREET_KINDS.items() for alias in aliases}
# Words that say where, not which street: dropped.
PLACE_WORDS = {
    "спб",
    "санкт-петербург",
    "санкт",
    "петербург",
    "питер",
    "г",
    "город",
    "россия",
    "рф",
    "в.о",
    "во",
    "васильевского",
    "острова",
    "кв",
    "квартира",
    "подъезд",
    "п",
}
HOUSE_WORDS = {"д", "дом", "зд", "здание"}
KORPUS_WORDS = {"к", "корп", "корпус", "кор"}
LITERA_WORDS = {"лит", "литера", "литер", "л"}
BUILDING_WORDS = {"стр", "строение", "помещение", "пом"}

MAX_LENGTH = 200
WORD_THRESHOLD = 0.75  # a typed word and a street's word this similar are the same word, typos allowed


@dataclass
class Address:
    street: list[str] = field(default_factory=list)  # name words, folded, in order
    kind: str = ""  # улица, проспект, … when given
    house: int | None = None
    house_to: int | None = None  # "108-110": a building on several numbers
    korpus: str = ""
    litera: str = ""

    @property
    def street_key(self) -> str:
        return " ".join(sorted(self.street))

    def __bool__(self):
        return bool(self.street)


def fold(text: str) -> str:
    text = text.lower().replace("ё", "е")
    text = re.sub(r"[«»\"“”„'`]", " ", text)
    text = re.sub(r"[,;:()№#]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def tokens(text: str) -> list[str]:
    """Words and numbers; '108а' -> '108', 'а'; 'ул.садовая' -> 'ул', 'садовая'."""
    text = fold(text)
    text = re.sub(r"(^|\s)[вп]\.?\s?[ос]\.?(?=\s|$)", " ", text)  # "В.О.", "П.С.": the island, the side
    text = re.sub(r"(?<=[а-яa-z])\.(?=[а-я])", ". ", text)  # "ул.садовая"
    text = re.sub(r"(\d)([а-я])\b", r"\1 \2", text)  # "108а" -> "108 а"
    text = re.sub(r"\b(д|к|корп|лит|стр)\.?(\d)", r"\1 \2", text)  # "д108", "к2"
    parts = []
    for word in text.split(" "):
        word = word.strip(".")
        if word:
            parts.append(word)
    return parts


# The words that say what the next number is (a word in two lists is the earlier's: house, korpus, litera).
MARKS = {
    **dict.fromkeys(BUILDING_WORDS, "skip"),
    **dict.fromkeys(LITERA_WORDS, "litera"),
    **dict.fromkeys(KORPUS_WORDS, "korpus"),
    **dict.fromkeys(HOUSE_WORDS, "house"),
}
NUMBER = re.compile(r"(\d{1,4})(?:([-/])(\d{1,4}))?")
ORDINAL = re.compile(r"\d{1,3}-?(я|й|ая|ий|ый|ой|го)")


def parse(text: str) -> Address:
    """An address from free text; an empty Address when there is no street."""
    if not text:
        return Address()
    address = Address()
    expect: str | None = None  # what the next number is: house, korpus, litera (or a number to skip)
    for word in tokens(text[:MAX_LENGTH]):
        if expect == "skip" and MARKS.get(word, "skip") == "skip":
            continue  # "строение 1, помещение 2Н": not part of the building's number
        expect = MARKS[word] if word in MARKS else take_word(address, word, expect)
    return address


def take_word(address: Address, word: str, expect: str | None) -> str | None:
    """A word that is not a marker, onto the address; what the next number is after it."""
    number = NUMBER.fullmatch(word)
    if number:
        take_number(address, number, expect)
        return None
    if ORDINAL.fullmatch(word):
        address.street.append(re.sub(r"\D.*", "", word))  # "16-я" -> "16"
    elif expect == "litera" or (
        len(word) == 1 and address.house is not None and not address.litera and word not in KIND_OF
    ):
        address.litera = word
        return None
    elif word in KIND_OF:
        address.kind = KIND_OF[word]
    elif word not in PLACE_WORDS and address.house is None:
        address.street.append(word)
    return expect


def take_number(address: Address, number: re.Match, expect: str | None) -> None:
    """A number: the korpus after a house, the house (with its korpus or its last number), or part of the
    street's name before one ("16-я линия", "2 Советская")."""
    if expect == "korpus" or (address.house is not None and expect is None and not address.korpus):
        address.korpus = number.group(1)
    elif address.house is None and (expect == "house" or address.street):
        address.house = int(number.group(1))
        if number.group(2) == "/":  # "80/2": house 80, korpus 2
            address.korpus = number.group(3)
        elif number.group(2) and int(number.group(3)) > address.house:  # "108-110": both numbers
            address.house_to = int(number.group(3))
    else:
        address.street.append(number.group(1))


@lru_cache(maxsize=1 << 16)
def similarity(a: str, b: str) -> float:
    """difflib's ratio of two words; where even its upper bounds fall below
    WORD_THRESHOLD, the bound (the decision is the same, and the lookup
    compares a typed word with every street of the city)."""
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit():
        return 0.0
    bound = 2 * min(len(a), len(b)) / (len(a) + len(b))
    if bound < WORD_THRESHOLD:
        return bound
    matcher = SequenceMatcher(None, a, b)
    bound = matcher.quick_ratio()
    return bound if bound < WORD_THRESHOLD else matcher.ratio()


def street_similarity(query: list[str], street: list[str]) -> float:
    """How well the typed street words match a street's (0…1).

    Every typed word must find a counterpart (typos allowed); words of the
    street nobody typed count against it a little ("Садовая" still finds
    "Большая Садовая" if there is no plain "Садовая", but ranks it lower).
    """
    if not query or not street:
        return 0.0
    best = []
    for word in query:
        score = max(similarity(word, other) for other in street)
        if score < WORD_THRESHOLD:
            return 0.0
        best.append(score)
    covered = sum(best) / len(best)
    missing = max(0, len(street) - len(query))
    return covered * (0.85**missing)


class Streets:
    """Street names by their words, for scoring a typed street against a whole city.

    Only streets with a word like each typed word are scored: the others
    would score 0 (street_similarity wants a counterpart for every typed
    word). Which words are alike is first bounded for all of them at once
    with letter counts (difflib's quick_ratio as a matrix), so a first
    question about a street costs a fraction of a millisecond, not one
    comparison with each of the city's streets.
    """

    def __init__(self, streets):
        self.by_word: dict[str, set[tuple[str, ...]]] = {}
        for street in streets:
            for word in street:
                self.by_word.setdefault(word, set()).add(tuple(street))
        self.words = list(self.by_word)
        self.letters = {c: i for i, c in enumerate(sorted({c for w in self.words for c in w}))}
        self.counts = np.zeros((len(self.words), len(self.letters)))
        for row, word in enumerate(self.words):
            self.counts[row] = self.letter_counts(word)
        self.lengths = np.array([len(w) for w in self.words])

    def letter_counts(self, word: str) -> np.ndarray:
        counts = np.zeros(len(self.letters))
        for c in word:
            if c in self.letters:
                counts[self.letters[c]] += 1
        return counts

    def like(self, word: str) -> set[tuple[str, ...]]:
        """The streets with a word that is ``word`` give or take a typo."""
        bound = 2 * np.minimum(self.counts, self.letter_counts(word)).sum(axis=1) / (self.lengths + len(word))
        found = set()
        for i in np.flatnonzero(bound >= WORD_THRESHOLD):
            if similarity(word, self.words[i]) >= WORD_THRESHOLD:
                found |= self.by_word[self.words[i]]
        return found

    def scored(self, query: list[str]) -> list[tuple[float, tuple[str, ...]]]:
        """(street_similarity, street) for every street that could match the query, best first."""
        found = None
        for word in query:
            found = self.like(word) if found is None else found & self.like(word)
            if not found:
                return []
        return sorted(((street_similarity(query, list(street)), street) for street in found or ()), reverse=True)
