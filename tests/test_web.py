"""The web app in a real headless Chromium against a real uvicorn server started on a free port
with a temporary SQLite store: typing a draft highlights spans and scores it, Fix, Advise and
Compose answer, keyboard focus shows a span's message, a reply's <script> stays text, the
pages pass axe-core's accessibility rules and fit a phone's width. Each test saves a
screenshot to docs/web/ for the README.

Chromium comes from the system (Debian's ``chromium``), driven by Playwright, as in
test_report_browser.py; without either the browser tests skip and say which is missing."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from amends.store import ensure_current, import_file, make_engine
from amends.store.db import session_factory, transaction
from amends.store.incidents import add_action, add_why, new_incident
from amends.store.keys import create_key

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "web"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DATA = Path(__file__).parent / "data"
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "twcs_5k.csv"

playwright = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
)
CHROMIUM = os.environ.get("AMENDS_CHROMIUM") or next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on PATH (apt-get install chromium, or set AMENDS_CHROMIUM)",
)

SCRIPT = "<script>window.__ran = true</script>"
DRAFT = (
    "Sorry if you feel upset about the double charge. "
    "I've refunded the second payment and you'll see it within 3 days. " + SCRIPT
)
CUSTOMER = "You charged me twice for my March subscription!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn serving ``create_app`` on a free loopback port, once /v1/health answers."""
    port = _free_port()
    env = {**os.environ, "AMENDS_DATABASE_URL": f"sqlite:///{database}"}
    command = [sys.executable, "-m", "uvicorn", "amends.server.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"uvicorn did not answer within 60 s: {log.read_text()}")


def fill_store(database: Path) -> None:
    """The store the pages read: the ledger's fixture conversations, an incident with its 5 Whys
    and an action, and the Twitter corpus when ../shared/data has it (imported through the
    store's import function: this branch's API has no import endpoint)."""
    engine = make_engine(f"sqlite:///{database}")
    import_file(DATA / "ledger_conversations.jsonl", engine)
    today = database.with_name("today.jsonl")
    today.write_text(today_conversation())
    import_file(today, engine)
    with transaction(session_factory(engine)) as session:
        incident = new_incident(session, "Card payments declined for two hours", cause="ours")
        add_why(session, incident.id, "The payment provider's certificate expired")
        add_why(session, incident.id, "Nobody owned certificate renewals", root=True)
        add_action(
            session,
            incident.id,
            "Put certificate expiry on the on-call calendar",
            owner="ops",
            due_at=datetime(2026, 12, 1, tzinfo=UTC),
        )
    if CORPUS.exists():
        import_file(CORPUS, engine)


def today_conversation() -> str:
    """A conversation from just after midnight today (UTC) whose reply promises an email by
    11pm today: a promise due today whenever the test runs."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = [
        ("customer", "Your app has been down all night and I can't pay my bills.", 1),
        ("agent", "Sorry about the outage. I'll email you an update by 11pm today.", 2),
    ]
    return "".join(
        json.dumps(
            {
                "conversation_id": "today-1",
                "message_id": f"today-1-{n}",
                "role": role,
                "author": "Lee" if role == "agent" else "kit",
                "team": "support",
                "text": text,
                "timestamp": (midnight + timedelta(minutes=n)).isoformat(),
            }
        )
        + "\n"
        for role, text, n in rows
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("web")
    fill_store(folder / "amends.db")
    process, base = start_server(folder / "amends.db", folder / "uvicorn.log")
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=server)
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(server) else outside.append(r.url),
    )
    yield page
    context.close()
    assert outside == [], "the page asked for something outside the app"


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2 A/AA violations on the page, as 'rule: first offending element'."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})"
    )
    return [f"{v['id']}: {v['nodes'][0]['html'][:120]}" for v in result["violations"]]


def type_draft(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_label("The customer's message").fill(CUSTOMER)
    page.get_by_label("Your draft reply").press_sequentially(DRAFT[:40], delay=5)
    page.get_by_label("Your draft reply").fill(DRAFT)
    # the analysis of the whole draft is shown (not one of the partial draft typed before it):
    # the page drops older answers, so once the whole draft is rendered its score stays
    page.wait_for_function(
        "([tail]) => document.getElementById('highlighted').textContent.endsWith(tail)"
        " && document.querySelectorAll('#highlighted mark.mistake').length > 0"
        " && document.getElementById('score').textContent !== '–'",
        arg=[SCRIPT],
    )


def test_typing_a_draft_highlights_spans_and_scores_it(page):  # type: ignore[no-untyped-def]
    type_draft(page)
    score = int(page.locator("#score").inner_text())
    assert 0 <= score <= 100
    marks = page.locator("#highlighted mark")
    assert marks.count() >= 2
    assert "M202" in page.locator("#highlighted mark.mistake").first.get_attribute("data-codes")
    assert (
        "missing" in page.locator("#missing").inner_text().lower()
        or page.locator("#missing li").count() >= 1
    )
    # the reply's <script> is shown as text and never runs
    assert SCRIPT in page.locator("#highlighted").inner_text()
    assert page.evaluate("window.__ran === undefined")
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "check.png"), full_page=True)


def test_keyboard_focus_shows_a_spans_message(page):  # type: ignore[no-untyped-def]
    type_draft(page)
    tip = page.locator("#tip")
    assert tip.is_hidden()
    # tab from the draft through the buttons to the first highlighted span
    page.get_by_label("Your draft reply").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#highlighted mark')"):
            break
    else:
        pytest.fail("Tab never reached a highlighted span")
    assert tip.is_visible()
    focused = page.evaluate("document.activeElement.dataset.codes").split()
    assert any(code in tip.inner_text() for code in focused)
    assert "Try:" in tip.inner_text()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.screenshot(path=str(SHOTS / "check-focus.png"))
    page.keyboard.press("Escape")
    assert tip.is_hidden()


def test_fix_advise_and_compose(page):  # type: ignore[no-untyped-def]
    type_draft(page)
    before = int(page.locator("#score").inner_text())
    page.get_by_role("button", name="Fix").click()
    page.locator("#fix-panel").wait_for(state="visible")
    assert "Sorry if you feel upset" in page.locator("#fix-before del").first.inner_text()
    after = page.locator("#fix-after").inner_text()
    assert "Sorry if you feel upset" not in after and SCRIPT in after
    assert page.locator("#fix-edits li").count() >= 1
    assert f"was {before}" in page.locator("#fix-score").inner_text()

    page.get_by_role("button", name="Advise").click()
    page.locator("#advise-panel").wait_for(state="visible")
    assert page.locator("#posture").inner_text().strip()
    assert page.locator("#advise-reasons li").count() >= 1

    page.get_by_label("What happened to the customer").fill("your parcel arrived three days late")
    page.get_by_label("Whose fault").select_option("ours")
    page.get_by_label("What you did or will do").fill("refunded your delivery fee")
    page.get_by_label("Follow up when").fill("tomorrow at 1pm")
    page.get_by_role("button", name="Compose").click()
    page.locator("#compose-result").wait_for(state="visible")
    composed = page.locator("#compose-text").inner_text()
    assert "three days late" in composed and "tomorrow at 1pm" in composed
    page.get_by_role("button", name="Use this draft").click()
    assert page.get_by_label("Your draft reply").input_value() == composed
    assert page.locator("#error").is_hidden()
    page.screenshot(path=str(SHOTS / "check-fix.png"), full_page=True)


def test_an_api_error_is_shown_not_swallowed(page):  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_label("What happened to the customer").fill("x" * 400)
    page.get_by_role("button", name="Compose").click()
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "problem" in error.inner_text()


def test_the_pages_fit_a_phone(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 375, "height": 740}, base_url=server)
    try:
        page = context.new_page()
        type_draft(page)
        page.screenshot(path=str(SHOTS / "check-phone.png"), full_page=True)
        for path in ("/", "/dashboard", "/ledger", "/practice"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} scrolls sideways on a phone: {width}px wide"
    finally:
        context.close()


@pytest.mark.skipif(not CORPUS.exists(), reason=f"{CORPUS} is absent")
def test_the_dashboard_renders_the_corpus_and_drills_down(page):  # type: ignore[no-untyped-def]
    # the corpus's last weeks (the recurrence window is the date range's)
    page.goto("/dashboard?from=2017-10-15&to=2017-12-03")
    page.wait_for_function("document.getElementById('totals').textContent.includes('replies')")
    replies = int(page.locator("#totals").inner_text().split()[0])
    assert replies > 1500
    for chart in ("chart-dist", "chart-trend", "chart-mistakes", "chart-coverage"):
        box = page.locator(f"#{chart}").bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200
    assert "AmazonHelp" in page.locator("#table-groups").text_content()
    examples = page.locator("#mistake-examples").inner_text()
    assert "vague apology" in examples
    # quoted examples read as quotes ("e.g. “Sorry for …”; “…”"), not as arrays joined by commas
    assert "e.g. “" in examples and ",“," not in examples
    assert "billing" in page.locator("#recurring").inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

    # a mistake drills down to its replies, and a reply to its conversation with findings
    page.get_by_role("button", name="vague apology:").click()
    page.locator("#drill").wait_for(state="visible")
    assert "with vague apology" in page.locator("#drill-title").inner_text()
    page.locator("#table-drill").get_by_role("button", name="Open").first.click()
    page.locator("#conversation").wait_for(state="visible")
    mistake = page.locator("#conv-messages mark.mistake").first
    mistake.focus()
    assert page.locator("#tip").is_visible()
    assert "vague" in page.locator("#conv-messages").inner_text().lower()

    # a filter narrows everything to one team, and the URL keeps it
    page.get_by_label("Team").select_option("AmazonHelp")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("location.search.includes('team=AmazonHelp')")
    page.wait_for_function(
        f"!document.getElementById('totals').textContent.startsWith('{replies} ')"
    )
    narrowed = int(page.locator("#totals").inner_text().split()[0])
    assert 0 < narrowed < replies
    # recurring failures are the team's own now; only a channel is not applied to them
    assert "across all" not in page.locator("#recurring").inner_text()
    page.get_by_label("Channel").select_option(index=1)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("location.search.includes('channel=')")
    page.get_by_text("across all channels").wait_for()
    page.get_by_label("Channel").select_option("")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("!location.search.includes('channel=')")
    page.screenshot(path=str(SHOTS / "dashboard-drill.png"), full_page=True)


def test_the_ledger_marks_a_promise_in_one_click_and_shows_incidents(page):  # type: ignore[no-untyped-def]
    page.goto("/ledger")
    rows = page.locator("#promises tbody tr")
    rows.first.wait_for()
    today = rows.filter(has_text="11pm today")
    assert today.count() == 1
    row_id = today.get_attribute("id")
    promise = row_id.removeprefix("promise-")
    page.get_by_role("button", name=f"Mark promise {promise} kept").click()
    page.wait_for_function(
        f"document.querySelector('#{row_id} .status').textContent.startsWith('kept')"
    )
    assert page.locator("#status").inner_text() == f"Promise {promise} marked kept"

    # the overdue list: the fixture's December promises, marked broken by keyboard alone
    page.get_by_label("Show").select_option("overdue")
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_function(
        "document.getElementById('promise-count').textContent.includes('overdue')"
    )
    overdue = page.locator("#promises tbody tr")
    assert overdue.count() >= 1
    assert "11pm today" not in page.locator("#promises").inner_text()  # kept now
    first = overdue.first.get_attribute("id").removeprefix("promise-")
    page.get_by_role("button", name=f"Mark promise {first} broken").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelector('#promise-{first} .status').textContent.includes('marked')"
    )

    incidents = page.locator("#incidents")
    incidents.get_by_text("Card payments declined").wait_for()
    text = incidents.inner_text()
    assert "Nobody owned certificate renewals — root cause" in text
    assert "Put certificate expiry on the on-call calendar" in text
    assert "overdue" in text
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "ledger.png"), full_page=True)


def test_practice_scores_an_attempt_and_keeps_progress(page):  # type: ignore[no-untyped-def]
    page.goto("/practice")
    page.get_by_label("Your name").fill("Robin")
    page.get_by_label("Scenario").select_option("billing-error")
    assert "charged me twice" in page.locator("#s-customer").inner_text().lower()
    page.get_by_label("Your reply").fill("We apologise for any inconvenience caused.")
    page.get_by_role("button", name="Score my reply").click()
    page.locator("#feedback").wait_for(state="visible")
    assert page.locator("#verdict").inner_text().startswith("Not yet")
    assert "✗ lacks responsibility" in page.locator("#expected").inner_text()
    assert page.locator("#marked mark.mistake").count() >= 1
    assert page.locator("#fixed").inner_text().strip()

    # try again with a reply that owns it, explains and fixes it
    page.get_by_role("button", name="Try again").click()
    assert page.evaluate("document.activeElement.id") == "reply"
    page.keyboard.press("Control+A")
    page.keyboard.type(
        "I'm sorry we charged you twice for March. That was our mistake: a fault in our payment "
        "system took the £42 again. I've refunded the second payment today and it will reach "
        "your account within 3 to 5 working days. I'll email you on Friday to confirm it arrived."
    )
    page.get_by_role("button", name="Score my reply").click()
    page.wait_for_function("document.getElementById('verdict').textContent.startsWith('Passed')")
    assert page.locator("#expected").inner_text().count("✓ has") == 5
    row = page.locator("#progress tbody tr", has_text="Charged twice")
    assert row.locator("td").all_inner_texts()[1:] == [
        "2",
        row.locator("td").nth(2).inner_text(),
        "yes",
    ]
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "practice.png"), full_page=True)

    # the open server's caller reads every team: the team table lists Robin's attempts
    team = page.locator("#team-progress tbody tr", has_text="Robin")
    team.first.wait_for()
    assert "Charged twice" in team.first.inner_text()

    # progress is kept per agent by the server, not in the browser: only the name is remembered
    assert page.evaluate("Object.keys(localStorage)") == ["amends-practice-agent"]
    page.reload()
    page.locator("#progress tbody tr").first.wait_for()
    assert page.get_by_label("Your name").input_value() == "Robin"
    row = page.locator("#progress tbody tr", has_text="Charged twice")
    assert row.locator("td").nth(3).inner_text() == "yes"
    page.evaluate("localStorage.clear()")
    page.reload()
    page.get_by_label("Your name").fill("Robin")
    page.wait_for_function(
        "[...document.querySelectorAll('#progress tbody tr')].some("
        "r => r.textContent.includes('Charged twice') && r.cells[3].textContent === 'yes')"
    )
    page.get_by_label("Your name").fill("Sasha")
    page.wait_for_function(
        "[...document.querySelectorAll('#progress tbody tr')].some("
        "r => r.textContent.includes('Charged twice') && r.cells[1].textContent === '0')"
    )


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server whose store has keys (so every data call needs one): its address and a key of
    team billing's lead."""
    folder = tmp_path_factory.mktemp("web-keys")
    database = folder / "amends.db"
    engine = make_engine(f"sqlite:///{database}")
    ensure_current(engine)
    import_file(DATA / "ledger_conversations.jsonl", engine)
    lead = create_key(engine, "lead", "billing")[1]
    process, base = start_server(database, folder / "uvicorn.log")
    try:
        yield base, lead
    finally:
        process.terminate()
        process.wait(timeout=10)


def use_key(page, key: str) -> None:  # type: ignore[no-untyped-def]
    """Enter ``key`` in the page's API key field, as a person does (the page reloads)."""
    if page.locator("details.key").get_attribute("open") is None:  # closed
        page.get_by_text("API key").first.click()
    page.get_by_label("Key sent with each request").fill(key)
    with page.expect_navigation():
        page.get_by_role("button", name="Use key").click()


def test_with_keys_the_dashboard_needs_a_leads_key(browser, keyed_server):  # type: ignore[no-untyped-def]
    base, lead = keyed_server
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=base)
    try:
        page = context.new_page()
        page.goto("/dashboard")
        # no key yet: the page says so and where to enter one, instead of blank charts
        assert page.locator("#key-needed").is_visible()
        error = page.locator("#error")
        error.wait_for(state="visible")
        assert "needs an API key" in error.inner_text()
        assert page.locator("#charts").is_hidden()

        use_key(page, "amk_00000000_not-a-real-secret")
        page.wait_for_function("document.getElementById('error').textContent.includes('not valid')")
        assert "API key" in error.inner_text() and page.locator("#charts").is_hidden()
        assert page.locator("#key-state").inner_text() == "(set)"

        use_key(page, lead)
        page.wait_for_function("document.getElementById('totals').textContent.includes('replies')")
        assert error.is_hidden()
        assert int(page.locator("#totals").inner_text().split()[0]) > 0
        teams = page.get_by_label("Team").locator("option").all_inner_texts()
        assert teams == ["All teams", "billing"]  # a team's key sees its own team only
        assert "billing" in page.locator("#table-groups").text_content()
        assert "support" not in page.locator("#table-groups").text_content()
        page.screenshot(path=str(SHOTS / "dashboard-key.png"), full_page=True)
    finally:
        context.close()
