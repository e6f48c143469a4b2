"""Fuzzy name matching (offline, monitor_duplicates): the same person despite typos, order and initials."""

import pytest

from monitor.people import name_keys, new_pseudonym, same_person


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Иванов Иван Иванович", "Иван Иванов"),  # order, a part missing
        ("Иванов Иван", "Иваноов Иван"),  # a letter added
        ("Иванов Иван", "Ивонов Иван"),  # a letter changed
        ("Семёнова Алёна", "семенова алена"),  # ё and case
        ("Иванов И. И.", "Иванов Иван Иванович"),  # initials
        ("Иван Иванoв", "Иванов Иван"),  # a Latin o typed for the Cyrillic one
        ("Кузнецова-Петрова Анна", "Анна Кузнецова Петрова"),
    ],
)
def test_the_same_person_is_recognised(a, b):
    assert same_person(name_keys(a), name_keys(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Иванов Иван", "Петров Иван"),
        ("Иванов Иван", "Иванов Пётр"),
        ("Смирнова Ольга", "Смирнов Олег"),  # two typos apart in both parts… and a different person
        ("И. И.", "Иванов Иван"),  # initials alone are not enough
        ("", "Иванов Иван"),
    ],
)
def test_different_people_are_not(a, b):
    assert not same_person(name_keys(a), name_keys(b))


def test_pseudonyms_are_random_and_unambiguous():
    seen = {new_pseudonym() for _ in range(200)}
    assert len(seen) == 200
    assert all(p.startswith("P-") and len(p) == 8 and not set(p[2:]) & set("01IOQ") for p in seen)
