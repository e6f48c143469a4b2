"""Every form of the site, fed arbitrary Unicode and numbers by a property-based fuzzer: the answer is a page or a
refusal (2xx, 3xx, 4xx), never a server error, and a refusal changes nothing.

Issue 31 found ``city=²`` answered with a 500 (``"²".isdigit()`` is true, ``int("²")`` raises) on three forms,
and the same pattern in three more views. Rather than list the fields by hand, the test reads each page as a
browser does, finds its forms and their fields (inputs, selects with their options, text areas), and lets
Hypothesis fill them: the real options, digits of other scripts, numbers past any column, control characters,
long and empty strings. The API has its own fuzzer (test_api_fuzz.py); together they cover every way in.
"""

from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.models import Action, Declaration, Place, Slot
from core.sealing import new_keypair
from monitor.models import City, Report

EXAMPLES = 10  # random examples per form, after each field has had each of SHARP (the CI budget)
# Each field of each form gets each of these in turn, the other fields holding a real option: the inputs that
# broke a view before, met every run rather than by chance.
SHARP = ["²", "٣", "99999999999999999999999999", "-1", "1e999", "\x07", "x" * 5000, ""]
TRICKY = [
    "²",  # isdigit() but not int()
    "٣",  # an Arabic-Indic three: int() reads it
    "１２",  # full-width digits
    "-1",
    "0",
    "1e999",
    "NaN",
    "99999999999999999999999999",
    "9223372036854775808",
    " 7 ",
    "",
    "\u200b",
    "\ufffd",
    "\x07",
    "<script>",
    "' OR 1=1 --",
    "x" * 5000,
    "2021-02-30",
    "2021-02-01T25:61",
    "52,5",
]


HONEYPOTS = {"website"}


class Forms(HTMLParser):
    """The forms of a page: (method, action, {field: [options]}) — an empty list for a free text field."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, list[str]]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(((a.get("method") or "get").lower(), a.get("action") or "", {}))
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "select") and a.get("name") and a.get("type") not in ("submit", "file"):
            if a["name"] == "csrfmiddlewaretoken":
                return
            fields = self.forms[-1][2]
            options = fields.setdefault(a["name"], [])
            if a.get("type") in ("radio", "checkbox", "hidden") and a.get("value") is not None:
                options.append(a["value"])
            if tag == "select":
                self._select = a["name"]
        elif tag == "option" and self._select and a.get("value") is not None:
            self.forms[-1][2][self._select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_of(html: str) -> list[tuple[str, str, dict[str, list[str]]]]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def values(options: list[str]):
    anything = st.one_of(
        st.text(max_size=60),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(TRICKY),
    )
    return st.one_of(st.sampled_from(options), anything) if options else anything


@pytest.fixture
def pages(db):
    """A page of every kind that holds a form, with what it needs: an action with slots, a declaration, a report
    waiting for moderation, a sign-up's cancel link."""
    public = new_keypair()[0]
    action = Action.objects.create(slug="fuzz", title="Пикет", text="Смены.", public_key=public)
    place = Place.objects.create(
        action=action,
        name="Посольство",
        city="Berlin",
        country="Германия",
        latitude=52.5,
        longitude=13.4,
        time_zone="Europe/Berlin",
    )
    day = timezone.localdate() + timedelta(days=3)
    slot = Slot.objects.create(
        place=place,
        starts=datetime.combine(day, time(12), ZoneInfo("Europe/Berlin")),
        ends=datetime.combine(day, time(14), ZoneInfo("Europe/Berlin")),
        capacity=2,
    )
    Declaration.objects.create(slug="fuzz", prisoner="P-XXXXXX", title="Заявление", text="Текст.", public_key=public)
    city = City.objects.create(name="Городок-на-Фаззе", latitude=55.0, longitude=37.0)
    report = Report.objects.create(
        kind="detention", city=city, happened=timezone.now(), text="Задержан.", source="form"
    )
    from actions.signup import sign_up

    sign_up(action, slot.pk, "fuzz.cancel@example.org", "", lambda name, token: f"/{name.split(':')[1]}/{token}/")
    cancel = next(line for line in mail.outbox[-1].body.splitlines() if line.startswith("/cancel/"))
    from initiatives import proposals

    published, _token = proposals.submit("Парк", "Текст.", "Сохранить парк?", "")
    proposals.publish(published, None, "fuzz", 10, None, public, ["Городок"])
    proposals.submit("Черновик", "Текст.", "Вопрос?", "")  # one waiting on the moderators' desk
    return [
        "/",
        "/pledges/demo-rally/",
        "/actions/",
        "/actions/fuzz/",
        "/actions/fuzz/detained/",
        "/actions/fuzz/photos/",
        f"/actions{cancel}",
        "/actions/declarations/fuzz/",
        "/actions/declarations/review/",
        "/monitor/",
        "/monitor/report/detention/",
        "/monitor/report/prosecution/",
        "/monitor/reports/",
        "/monitor/violations/",
        "/monitor/moderation/",
        f"/monitor/moderation/{report.pk}/",
        "/lookup/",
        "/precincts/",
        "/smartvote/duma-2021/editorial/",
        "/initiatives/new/",
        "/initiatives/fuzz/",
        "/initiatives/moderate/",
    ]


def test_no_form_answers_a_server_error(admin_client, pages, monkeypatch):
    """Staff pages too (a superuser): a moderator's typo must not be a 500 either."""
    for name in ("pledges.signup", "actions.signup", "monitor.intake", "actions.declarations", "initiatives.proposals"):
        monkeypatch.setattr(f"{name}.LIMIT_CLIENT", 10**6, raising=False)
        monkeypatch.setattr(f"{name}.LIMIT_NETWORK", 10**6, raising=False)
    admin_client.raise_request_exception = False  # a server error is an answer to report, form by form
    found = []
    for url in pages:
        page = admin_client.get(url)
        assert page.status_code < 500, url
        for method, action, fields in forms_of(page.content.decode()):
            if not fields or action.startswith(("http", "/i18n/", "/admin/")):
                continue
            found.append((url, url if not action or action.startswith("#") else action, method, fields))
    assert len(found) >= 15, [f[:2] for f in found]
    failures = []
    for url, target, method, fields in found:
        try:
            fuzz(admin_client, target, method, fields)
        except AssertionError as exc:
            failures.append(f"{url} → {target}: {exc}")
    assert not failures, "\n".join(failures)


def fuzz(client, target: str, method: str, fields: dict[str, list[str]]) -> None:
    # The honeypot (``website``) stays empty, as a person leaves it: filled, the form answers without a look.
    strategies = {name: st.just("") if name in HONEYPOTS else values(options) for name, options in fields.items()}

    @given(data=st.fixed_dictionaries(strategies))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(data):
        send = client.post if method == "post" else client.get
        response = send(target, data, REMOTE_ADDR="203.0.113.12")
        assert response.status_code < 500, (target, data, response.status_code)

    send = client.post if method == "post" else client.get
    usual = {name: (options[-1] if options else "") for name, options in fields.items()}
    for name in set(fields) - HONEYPOTS:
        for value in SHARP:
            response = send(target, {**usual, name: value}, REMOTE_ADDR="203.0.113.12")
            assert response.status_code < 500, (target, name, value, response.status_code)
    run()
