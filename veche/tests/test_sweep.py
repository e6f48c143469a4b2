"""Every page, as people see it: at a phone's width (390×844) and a desktop's (1366×900), in Russian and English.

Runs on the demo's database (`pytest -m sweep`: the root conftest imports what `make run` shows). Each page
must fit its width (no sideways scrolling of the page: tables scroll in their own box), carry a viewport tag,
and in Russian show none of the English words the templates, charts and messages use. A screenshot of each
goes to VECHE_SCREENSHOTS (default var/screenshots/) for people to look at; CI keeps the folder.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from elections.models import Contest, Election, Precinct, Region
from monitor.models import Person, Report
from smartvote.models import Backtest, ListVersion

pytestmark = [pytest.mark.sweep, pytest.mark.browser, pytest.mark.django_db]

SIZES = {"phone": (390, 844), "desktop": (1366, 900)}
# axe-core (Deque, MPL-2.0), vendored for the tests only (npm axe-core 4.11.0; sha256 in veche/tests/vendor/README):
# the automated WCAG 2.1 AA check every page must pass with no serious or critical violation.
AXE = Path(__file__).parent / "vendor" / "axe-core-4.11.0" / "axe.min.js"
# Left out: Swagger UI's operation headers, a button holding buttons in the third-party developer tool's own
# markup (the API page's words and links around it are checked).
AXE_RUN = (
    "async () => { const r = await axe.run({include: [document], exclude: [['#swagger-ui .opblock-summary-control']]},"
    " {runOnly: {type: 'tag', values: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']});"
    " return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
    ".map(v => v.id + ' ×' + v.nodes.length + ' ' + v.nodes[0].target.join(' ')); }"
)
SHOTS = Path(os.environ.get("VECHE_SCREENSHOTS", settings.BASE_DIR / "var" / "screenshots"))
# Words of the English interface (templates, charts, messages) that a Russian page must not show. Data quoted as
# its source wrote it is marked lang="en" on the page and left out.
ENGLISH = re.compile(
    r"\b(the|and|of|with|from|your|elected|registered|refused|other_seat|same_seat|turnout|stations|weight|effect|"
    r"Source|District|Contest|Results|Precinct|Candidates|Search|Filter|Find|Download|Home|Monitor|Forensics|"
    r"Elections|previous|next|page|matched|forecast|share|votes|voters|Demo|Log in|Password|Username|"
    r"happened|city|Election|Smart voting|Published|Signed|Detained|Reports|Prisoners|Violations|"
    r"manifest|deal|accept|open|credentials|ballot|close|tally|partial|result|form|sentenced|Brier|MAE|Berlin|London)\b"
)
# Not pages (files, fragments, redirects, API): each checked elsewhere; named here so that a new page is not
# forgotten — the test fails on any pattern neither visited nor listed.
NOT_PAGES = {
    "set_language",
    "language",  # the header's switcher: a redirect
    "lookup:telegram",  # the bot's webhook (lookup/tests/test_bot.py)
    "lookup:venues",
    "forensics:regions_csv",
    "forensics:stations_csv",
    "forensics:summary_csv",
    "forensics:plot",
    "forensics:years_csv",
    "forensics:years_plot",
    "elections:contest_csv",
    "monitor:chart",
    "monitor:dataset",
    "smartvote:backtest_plot",
    "smartvote:contest_chart",
    "smartvote:editorial_request",
    "pledges:counters",
    "vote:board_file",
    "vote:keys",
    "actions:counts_csv",
    "actions:letter_sent",  # a POST from the letter page
    "actions:photo",  # an image
}


@pytest.fixture(autouse=True)
def demo_mode(settings):
    """What `make run` serves: demo mode with the demo's own signing key and its outbox."""
    settings.DEMO = True
    settings.SIGNING_ROOT = ""
    settings.EMAIL_BACKEND = "core.outbox.DemoOutbox"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]


def patterns(resolver=None, prefix=""):
    """The names of the site's own URL patterns (the admin's and the API's are Django's and ninja's)."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("admin", "api"):
                continue
            yield from patterns(entry, prefix + (f"{entry.namespace}:" if entry.namespace else ""))
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def pages() -> dict[str, str]:
    """A real address for every page, by its URL name (staff pages need the demo's login)."""
    zaks = Election.objects.get(slug="spb-zaks-2021")
    spb = Region.objects.get(name="город Санкт-Петербург")
    contest = Contest.objects.filter(election=zaks, kind="single_mandate").order_by("number").first()
    precinct = Precinct.objects.get(region=spb, code="2218")
    report = Report.objects.filter(state="published", kind="violation").order_by("pk").first()
    person = Person.objects.filter(consent=True).exclude(public_name="").first()
    version = ListVersion.objects.filter(election=zaks).order_by("number").first()
    return {
        "home": "/",
        "demo": "/demo/",
        "outbox": "/demo/outbox/",
        "elections:elections": "/elections/",
        "elections:election": "/elections/duma-2021/",
        "elections:contest": f"/contests/{contest.pk}/",
        "elections:precincts": "/precincts/?uik=2218",
        "elections:precinct": f"/precincts/{precinct.pk}/",
        "forensics:index": "/forensics/",
        "forensics:election": "/forensics/duma-2021/",
        "lookup:lookup": f"/lookup/?uik=2218&region={spb.pk}",
        "smartvote:keys": "/smartvote/keys/",
        "smartvote:backtest_latest": "/smartvote/backtest/",
        "smartvote:backtest": f"/smartvote/backtest/{Backtest.objects.first().pk}/",
        "smartvote:contest": f"/smartvote/contests/{contest.pk}/",
        "smartvote:election": "/smartvote/spb-zaks-2021/",
        "smartvote:editorial": "/smartvote/spb-zaks-2021/editorial/",
        "smartvote:list_version": f"/smartvote/spb-zaks-2021/lists/{version.number}/",
        "pledges:index": "/pledges/",
        "pledges:campaign": "/pledges/demo-rally/",
        "pledges:confirm": "/pledges/confirm/not-a-token/",
        "pledges:confirm_in": "/pledges/demo-rally/confirm/not-a-token/",
        "monitor:index": "/monitor/",
        "monitor:report_form": "/monitor/report/detention/",
        "monitor:reports": "/monitor/reports/",
        "monitor:report": f"/monitor/reports/{report.pk}/",
        "monitor:person": f"/monitor/people/{person.pseudonym}/",
        "monitor:prisoners": "/monitor/prisoners/",
        "monitor:violations": "/monitor/violations/",
        "monitor:data": "/monitor/data/",
        "monitor:moderation": "/monitor/moderation/",
        "monitor:moderate": f"/monitor/moderation/{report.pk}/",
        "vote:index": "/vote/",
        "vote:vote": "/vote/demo-referendum/",
        "vote:board": "/vote/demo-primary/board/",
        "vote:verifier": "/vote/demo-primary/verify/",
        "vote result": "/vote/demo-primary/",
        "actions:index": "/actions/?lat=52.52&lon=13.40",
        "actions:action": "/actions/demo-solidarity/",
        "actions:detained": "/actions/demo-solidarity/detained/",
        "actions:confirm": "/actions/confirm/not-a-token/",
        "actions:cancel": "/actions/cancel/not-a-token/",
        "actions:prisoners": "/actions/prisoners/",
        "actions:letter": "/actions/letters/",
        "actions:letter_to": f"/actions/letters/{Person.objects.get(public_name='Демо Образцов Пётр').pseudonym}/",
        "actions:declaration": "/actions/declarations/demo-declaration/",
        "actions:review": "/actions/declarations/review/",
        "actions:report": "/actions/demo-solidarity/report/",
        "actions:add_photos": "/actions/demo-solidarity/photos/",
        "initiatives:index": "/initiatives/",
        "initiatives:new": "/initiatives/new/",
        "initiatives:proposal": "/initiatives/demo-park/",
        "initiatives voting": "/initiatives/demo-budget/",
        "initiatives:follow": "/initiatives/follow/not-a-token/",
        "initiatives:moderate": "/initiatives/moderate/",
        # Beyond the apps' patterns: the staff's desk, a page that is not there, the API's documentation.
        "admin": "/admin/",
        "admin:changelist": "/admin/monitor/person/",
        "404": "/no/such/page/",
        "api docs": "/api/docs",
    }


def test_every_pattern_is_swept(django_db_setup):
    missing = set(patterns()) - set(pages()) - NOT_PAGES
    assert not missing, f"pages the sweep does not visit: {sorted(missing)}"


def english_words(page) -> list[str]:
    """The English interface words on the page's visible text, leaving out what is marked as not Russian: quoted
    data (lang="en"), machine text (lang="zxx", code, commands), Swagger UI's own controls."""
    # Text node by text node on the page itself: a detached copy's innerText runs table cells together
    # ("Brier0,21"), and a word glued to a number is no word to the pattern.
    text = page.evaluate(
        "() => { const skip = '[lang=en], [lang=zxx], script, style, noscript, code, pre.command, #swagger-ui';"
        " const words = []; const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);"
        " while (walk.nextNode()) { const e = walk.currentNode.parentElement;"
        " if (!e.closest(skip) && e.checkVisibility()) words.push(walk.currentNode.textContent); }"
        " return words.join(' '); }"
    )
    return sorted(set(ENGLISH.findall(text)))


def log_in(context, site):
    page = context.new_page()
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "organiser")
    page.fill("#id_password", "veche-demo")
    page.click("input[type=submit]")
    page.wait_for_url(f"{site}/admin/")
    page.close()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_page_fits_and_speaks_the_language(site, language, browser, settings):
    addresses = pages()
    assert get_user_model().objects.filter(username="organiser").exists()
    problems = []
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height}, locale=language)
        context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        log_in(context, site)
        page = context.new_page()
        for name, path in addresses.items():
            response = page.goto(site + path)
            expected = (
                404
                if name == "404"
                else 400
                if name
                in ("pledges:confirm", "pledges:confirm_in", "actions:confirm", "actions:cancel", "initiatives:follow")
                else 200
            )
            if response.status != expected:
                problems.append(f"{name} {path}: status {response.status}")
                continue
            page.wait_for_load_state("load")
            where = f"{name} ({size}, {language})"
            fits = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if fits[0] > fits[1]:
                wide = page.evaluate(
                    "w => [...document.querySelectorAll('body *')].filter(e => !e.closest('.scroll, nav, .map') "
                    "&& e.getBoundingClientRect().right > w + 1).slice(0, 3).map(e => e.tagName + '.' + e.className)",
                    fits[1],
                )
                problems.append(f"{where}: {fits[0]} px wide in {fits[1]} ({wide})")
            # A form's honeypot (.hp) must be where no person sees it: whoever fills it is silently dropped.
            if page.evaluate(
                "() => [...document.querySelectorAll('input[name=website]')]"
                ".some(e => e.getBoundingClientRect().right > 0 && getComputedStyle(e).visibility !== 'hidden')"
            ):
                problems.append(f"{where}: the anti-bot field is visible")
            # Touch targets: every control a thumb can hit (WCAG 2.5.5, 44 px), links in running text aside; Django's
            # admin keeps its own controls (axe checks it like every page).
            small = not name.startswith("admin") and page.evaluate(
                "() => [...document.querySelectorAll('button, select, input:not([type=hidden]), .button, nav a')]"
                ".filter(e => e.checkVisibility() && !e.closest('.hp, #swagger-ui, .leaflet-container'))"
                ".map(e => [e, e.getBoundingClientRect()])"
                ".filter(([e, r]) => r.width > 0 && Math.min(r.height, r.width) < "
                "(e.matches('[type=checkbox], [type=radio]') ? 20 : 44))"
                ".slice(0, 3).map(([e, r]) => e.outerHTML.slice(0, 60) + ' ' + Math.round(r.height) + 'px')"
            )
            if small:
                problems.append(f"{where}: touch targets under 44 px {small}")
            # The first screen is for the answer: a page's title takes no more than three lines of a title (120 px),
            # even an official election's name on a phone.
            tall = page.evaluate(
                "() => { const h = document.querySelector('main h1');"
                " return h ? h.getBoundingClientRect().height : 0; }"
            )
            if tall > 120:
                problems.append(f"{where}: the heading is {round(tall)} px high")
            page.evaluate(AXE.read_text() + ";0")  # through the DevTools door: the site's CSP allows no such script
            for violation in page.evaluate(AXE_RUN):
                problems.append(f"{where}: axe {violation}")
            if not page.locator('meta[name=viewport][content*="width=device-width"]').count():
                problems.append(f"{where}: no viewport tag")
            if page.evaluate("document.documentElement.lang") != language:
                problems.append(f"{where}: lang is not {language}")
            if language == "ru":
                found = english_words(page)
                if found:
                    problems.append(f"{where}: English words {found}")
            shot = SHOTS / language / size / (re.sub(r"[^\w]+", "_", name).strip("_") + ".png")
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=shot, full_page=size == "phone")
        context.close()
    assert not problems, "\n".join(problems)


# The smallest letters a chart may show on a phone, in CSS pixels (its 7-point labels were 4 px, drawn 880 px wide).
LEGIBLE = 8.0
SVG_TEXTS = """() => { const root = document.documentElement.getBoundingClientRect();
  return [...document.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent.trim(), out: r.left < root.left - 1 || r.right > root.right + 1 || r.top < root.top - 1
      || r.bottom > root.bottom + 1, size: parseFloat(getComputedStyle(t).fontSize)}; }); }"""


def test_charts_speak_russian(site, browser, settings):
    """The charts' words (SVG keeps them as text) in Russian: titles, axes, legends."""
    contest = Contest.objects.filter(election__slug="spb-zaks-2021", kind="single_mandate").first()
    charts = [
        "/forensics/duma-2021/comet.svg",
        "/forensics/duma-2021/turnout.svg",
        "/forensics/by-year.svg",
        "/monitor/charts/days.svg",
        "/monitor/charts/cities.svg",
        "/monitor/charts/precincts.svg",
        f"/smartvote/contests/{contest.pk}/forecast.svg",
        f"/smartvote/backtest/{Backtest.objects.first().pk}/calibration.svg",
    ]
    context = browser.new_context(locale="ru")
    context.add_cookies([{"name": "django_language", "value": "ru", "url": site}])
    shown = context.new_page()
    problems = []
    for path in charts:
        response = context.request.get(site + path)
        assert response.status == 200, path
        words = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", response.text()))
        assert re.search("[а-яА-Я]", words), f"{path}: no Russian words ({words[:200]})"
        english = sorted(set(ENGLISH.findall(words)))
        if english:
            problems.append(f"{path}: {english}")
        shown.goto(site + path)  # and no word cut at the figure's edge (the calibration's axis label was)
        cut = [t["text"] for t in shown.evaluate(SVG_TEXTS) if t["out"]]
        if cut:
            problems.append(f"{path}: cut at the edge: {cut[:3]}")
    context.close()
    assert not problems, "\n".join(problems)


def test_charts_are_legible_on_a_phone(site, browser, settings):
    """Issue 34: on a phone the charts' labels were 4–5 px (an 880-px figure shrunk to the screen). Every chart of
    every page with charts offers a phone's drawing; at 390 px that is what the page shows, its smallest words are
    at least LEGIBLE px high as shown, and none is cut at the figure's edge."""
    contest = Contest.objects.filter(election__slug="spb-zaks-2021", kind="single_mandate").first()
    pages = [
        "/forensics/",
        "/forensics/duma-2021/",
        "/monitor/",
        "/monitor/violations/",
        f"/smartvote/contests/{contest.pk}/",
        f"/smartvote/backtest/{Backtest.objects.first().pk}/",
    ]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page = context.new_page()
    chart = context.new_page()
    problems, seen = [], 0
    for path in pages:
        page.goto(site + path)
        page.wait_for_load_state("load")
        shown = page.eval_on_selector_all(
            "main picture img",
            # A lazy image below the screen has no currentSrc yet: the source the browser would choose, then.
            """imgs => imgs.map(i => { const s = i.parentElement.querySelector('source');
              const chosen = s && matchMedia(s.media).matches ? s.srcset : i.src;
              return {src: new URL(i.currentSrc || chosen, location.href).href, width: i.getBoundingClientRect().width};
            })""",
        )
        assert shown, f"{path}: no chart"
        for image in shown:
            seen += 1
            if "size=phone" not in image["src"]:
                problems.append(f"{path}: {image['src']} is the wide drawing")
                continue
            if ".svg" not in image["src"]:
                continue  # a PNG's words are pixels: its drawing is the SVG's, checked on the other pages
            chart.goto(image["src"])
            texts = chart.evaluate(SVG_TEXTS)
            # Type sizes are in the SVG's own units: its viewBox maps them onto the image's width on the page.
            units = chart.evaluate("() => document.documentElement.viewBox.baseVal.width")
            scale = image["width"] / units
            small = [t for t in texts if t["size"] * scale < LEGIBLE]
            if small:
                problems.append(f"{path}: {len(small)} labels under {LEGIBLE} px, e.g. {small[0]}")
            cut = [t["text"] for t in texts if t["out"]]
            if cut:
                problems.append(f"{path}: cut at the edge: {cut[:3]}")
    context.close()
    assert seen >= 7 and not problems, "\n".join(problems)


def test_the_keyboard_sees_where_it_is(site, browser):
    """WCAG 2.4.7: every stop of the Tab key shows a focus ring (docs/design.md: 3 px, the focus colour), in the
    banner, the header, the home page's two actions and the forms."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page.goto(f"{site}/")
    stops = []
    for _ in range(10):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate(
                """() => { const e = document.activeElement, s = getComputedStyle(e);
                return {what: e.tagName + ' ' + (e.textContent || e.name || '').trim().slice(0, 30),
                        style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
            )
        )
    page.close()
    faint = [stop for stop in stops if stop["style"] == "none" or stop["width"] < 2]
    assert len({stop["what"] for stop in stops}) >= 8 and not faint, faint


def test_find_on_a_phone_brings_the_answer_into_view(site, browser, settings):
    """Issue 18: after «Найти» the answer started 330 px below the screen's bottom, and nothing moved."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page.goto(f"{site}/lookup/")
    page.fill("#uik", "2218")
    page.select_option("select[name=region]", label="город Санкт-Петербург")
    page.locator("#uik").press("Enter")
    heading = page.locator("#answer .answer-start")
    heading.wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('#answer .answer-start')")
    box = heading.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 844, box
    assert "УИК №2218" in heading.inner_text()
    answer = page.inner_text("#answer")
    # The demo has a published list: the voter sees a recommendation, the days and what to bring.
    assert "Умное голосование:" in answer and "ещё не опубликована" not in answer
    assert "17–19 сентября 2021" in answer and "паспорт" in answer


def test_a_new_user_confirms_a_pledge_from_the_demo_outbox(site, browser, settings):
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page.goto(f"{site}/pledges/demo-rally/")
    page.fill("#email", "Ulyana.Vorontsova@example.org")
    page.select_option("#city", label="Казань")
    page.click("form.pledge button")
    page.locator("#answer [role=status]").wait_for()
    assert page.input_value("#email") == ""  # emptied: it cannot be sent twice by a second tap
    page.click(".demo-banner a")
    page.click("main a[href='/demo/outbox/']")
    page.locator("article.mail a").first.click()
    assert "Подтверждено" in page.inner_text("[role=status]")


def test_the_demo_shows_the_finished_product(client):
    """Issue 18: the demo had no published list, no backtest, a monitor of zeros, no prisoner, and a partial
    national election that looked whole."""
    ru = {"accept-language": "ru"}
    assert "Опубликованный список: версия 1" in client.get("/smartvote/spb-zaks-2021/", headers=ru).content.decode()
    backtest = client.get("/smartvote/backtest/", headers=ru)
    assert backtest.status_code == 200 and "наивный" in backtest.content.decode()
    monitor = client.get("/monitor/", headers=ru).content.decode()
    assert 'data-city="' in monitor and "Москва" in monitor
    prisoners = client.get("/actions/prisoners/", headers=ru).content.decode()
    assert "Удальцов Сергей Станиславович" in prisoners and "Amnesty International" in prisoners
    assert "Голодовка: день" in prisoners  # the invented prisoner on hunger strike
    assert "000000" in client.get("/actions/letters/", headers=ru).content.decode()
    # Issue 34: the demo's 2021 federal election was St Petersburg's alone; it is the whole country's now, as the
    # forensics of the latest federal election should be.
    election = client.get("/elections/duma-2021/", headers=ru).content.decode()
    assert "Только город Санкт-Петербург" not in election and re.search(
        r"Участков с результатами.{0,80}96\D?3", election, re.S
    )
    forensics = client.get("/forensics/duma-2021/", headers=ru).content.decode()
    assert "Только город Санкт-Петербург" not in forensics and "Республика Тыва" in forensics
    assert "только город Санкт-Петербург" not in client.get("/forensics/", headers=ru).content.decode()


def test_every_contests_evidence_speaks_russian(site, browser):
    """Every smart-voting contest page (its evidence: the facts' notes, sources, codes), not only the one the sweep
    shows: none may put English interface words on a Russian page."""
    contests = list(
        Contest.objects.filter(election__slug__in=["duma-2021", "spb-zaks-2021"], kind="single_mandate")
        .filter(candidates__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    )
    assert len(contests) == 33
    page = browser.new_page(locale="ru-RU")
    problems = []
    for pk in contests:
        page.goto(f"{site}/smartvote/contests/{pk}/")
        found = english_words(page)
        if found:
            problems.append(f"contest {pk}: {found}")
    assert not problems, "\n".join(problems)
