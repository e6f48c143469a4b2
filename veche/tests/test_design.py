"""The design tokens (docs/design.md) hold what they promise: every text colour pair the pages use passes WCAG 2.1 AA,
the focus ring and the chart bars stand out from the page (3:1, WCAG 1.4.11), and no page's colour bypasses them.

axe-core in the sweep checks the contrast of the text it finds on the pages it visits; this checks the palette itself,
so that a changed token fails here at once, whether or not a visited page happens to show the pair."""

import re

import pytest
from django.conf import settings

CSS = settings.BASE_DIR / "veche" / "static" / "veche" / "site.css"
TEXT = 4.5  # WCAG 2.1 AA, 1.4.3: normal text
GRAPHIC = 3.0  # 1.4.11: focus indicators, chart bars, controls' boundaries

# (foreground, background, least ratio): every pairing the stylesheet makes (docs/design.md's table).
PAIRS = [
    ("fg", "bg", TEXT),
    ("fg", "bg-soft", TEXT),
    ("fg", "bg-accent", TEXT),
    ("muted", "bg", TEXT),
    ("muted", "bg-soft", TEXT),
    ("muted", "bg-accent", TEXT),
    ("accent", "bg", TEXT),
    ("accent", "bg-soft", TEXT),
    ("accent", "bg-accent", TEXT),
    ("accent", "bg-warn", TEXT),
    ("danger", "bg", TEXT),
    ("ok", "bg", TEXT),
    ("warn-fg", "bg-warn", TEXT),
    ("fg", "bg-warn", TEXT),
    ("bg", "accent", TEXT),  # a button's label
    ("bg", "danger", TEXT),  # the alarm button's label
    ("bg", "fg", TEXT),  # the chosen language
    ("focus", "bg", GRAPHIC),
    ("focus", "bg-warn", GRAPHIC),
    ("bar", "bg", GRAPHIC),
]


def tokens() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", CSS.read_text(encoding="utf-8"), re.S)
    assert root, "site.css has no :root block of tokens"
    return dict(re.findall(r"--([\w-]+):\s*([^;]+);", root.group(1)))


def luminance(colour: str) -> float:
    value = colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_is_the_standard_one():
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#767676", "#fff") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes on white


@pytest.mark.parametrize(("fg", "bg", "least"), PAIRS)
def test_every_colour_pair_passes_aa(fg, bg, least):
    palette = tokens()
    ratio = contrast(palette[fg], palette[bg])
    assert ratio >= least, f"--{fg} on --{bg}: {ratio:.2f}:1, needs {least}:1"


def test_colours_come_from_the_tokens():
    """A colour typed into a rule instead of a token escapes the checks above (Swagger UI's overrides excepted:
    they mend its own colours, docs/design.md)."""
    text = CSS.read_text(encoding="utf-8")
    body = text[text.index("}", text.index(":root")) + 1 :]
    stray = [
        line
        for line in body.splitlines()
        if re.search(r"#[0-9a-fA-F]{3,6}\b", line) and not line.startswith("#swagger-ui")
    ]
    assert not stray, stray


def test_the_tokens_the_rules_use_exist():
    palette = tokens()
    used = set(re.findall(r"var\(--([\w-]+)\)", CSS.read_text(encoding="utf-8")))
    assert used <= set(palette), used - set(palette)
    assert palette["target"] == "44px"  # touch targets, WCAG 2.5.5's size
