"""Folding the names that commissions print, so that one thing has one key.

Sources spell the same region, party or commission differently across years
("Город Москва" / "город Москва", "ЁЛКИ" / "елки", two kinds of dash and
quotes, a leading code "98 Город Байконур"). Keys are folded text; the
display name is kept as first printed.
"""

import difflib
import re

_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "ё": "е"})

# Regions renamed between elections: folded old name -> folded current name.
REGION_RENAMES = {
    "кемеровская область - кузбасс": "кемеровская область",
    "зарубежная территория": "территория за пределами рф",
    "город байконур (республика казахстан)": "город байконур (республика казахстан)",
}


def fold(text: str) -> str:
    """Lower case, ё→е, one kind of quote and dash, single spaces."""
    text = text.lower().translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip()


def region_key(name: str) -> str:
    key = re.sub(r"^\d+\s+", "", fold(name))
    return REGION_RENAMES.get(key, key)


def region_display_name(name: str) -> str:
    return re.sub(r"^\d+\s+", "", name.strip())


def party_key(name: str) -> str:
    """Key of a party by its ballot name, quotes and punctuation ignored."""
    return re.sub(r"[\"'.,]", "", fold(name)).strip()


def tik_name(name: str) -> str:
    """'Территориальная избирательная комиссия №24' -> 'ТИК №24'."""
    name = re.sub(r"\s+", " ", name).strip()
    return re.sub(r"^территориальная избирательная комиссия", "ТИК", name, flags=re.IGNORECASE)


def commission_key(name: str) -> str:
    """One key for a TIK across years and sources: '1 Территориальная избирательная комиссия №1' and 'ТИК №1'
    -> '№1'; '1 район Богородское' (the CEC table's running number first) -> 'район богородское'."""
    folded = re.sub(r"^\d+\s+", "", fold(name))
    number = re.search(r"№\s*(\d+)", folded)
    return f"№{number.group(1)}" if number else folded


def parse_uik(text: str) -> int | None:
    """'УИК №1545', '1545', 'Участковая избирательная комиссия №1545' -> 1545."""
    found = re.fullmatch(r"\s*(?:(?:уик|участковая избирательная комиссия)\s*№?\s*)?(\d{1,6})\s*", text, re.IGNORECASE)
    return int(found.group(1)) if found else None


_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def latin_slug(text: str) -> str:
    """A URL slug in Latin letters from Russian text ("Автово" -> "avtovo")."""
    latin = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z0-9]+", "-", latin).strip("-")


# Short names of the parties people know, by a fragment of the folded key.
PARTY_SHORT_NAMES = [
    ("единая россия", "Единая Россия"),
    ("коммунистическая партия российской федерации", "КПРФ"),
    ("коммунисты россии", "Коммунисты России"),
    ("лдпр", "ЛДПР"),
    ("либерально-демократическая партия", "ЛДПР"),
    ("справедливая россия", "Справедливая Россия"),
    ("яблоко", "Яблоко"),
    ("новые люди", "Новые люди"),
    ("партия роста", "Партия Роста"),
    ("правое дело", "Правое дело"),
    ("союз правых сил", "СПС"),
    ("патриоты россии", "Патриоты России"),
    ("родина", "Родина"),
    ("парнас", "ПАРНАС"),
    ("зелен", "Зелёные"),
    ("пенсионер", "Партия пенсионеров"),
]


def party_short_name(name: str) -> str:
    key = party_key(name)
    return next((short for fragment, short in PARTY_SHORT_NAMES if fragment in key), "")


def closest_name(text: str, known: list[str], cutoff: float = 0.9) -> str | None:
    """The one known name that ``text`` is a misspelling of ("Васильеостровский район" for "Василеостровский
    район"), or None when none is that close, or two are (then nothing is guessed)."""
    folded = {fold(k): k for k in known}
    if fold(text) in folded:
        return folded[fold(text)]
    close = difflib.get_close_matches(fold(text), list(folded), n=2, cutoff=cutoff)
    return folded[close[0]] if len(close) == 1 else None
