"""The web page in a real headless Chromium (Playwright) against a live `rag serve` on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.settings import Settings
from rag.service import QAService
from tests.serving import live_server

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (.ci/run installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (test extras)")
Browser, Page, expect = sync_api.Browser, sync_api.Page, sync_api.expect

# Playwright's own browser download does not work here; these flags keep Debian's Chromium
# from phoning home or needing a sandbox inside the container.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SEED_QUESTION = "How much foreign capital did the 22 pilot free trade zones actually use in the first half of 2024?"
ABSTENTION = "No passage in the transcripts answers this."

# A transcript whose text is markup: shown as text, it is harmless; parsed as HTML, it sets
# window.__pwned. The emoji sits before the cited sentence in the same turn, so a highlight
# computed in UTF-16 units instead of code points would be off by one.
HOSTILE_DOC = "harbour.txt"
HOSTILE_TEXT = """Harbour safety briefing | March 3, 2024

Speakers:
Ada Lovelace, harbour master

Harbour Times:

What did the harbour install this spring? <img src=x onerror="window.__pwned = 'question'">

Ada Lovelace:

Good morning \N{SHIP} and welcome, <b>everyone</b>. The harbour installed <script>window.__pwned = 'script'</script> fourteen new container cranes on the eastern quay this spring. <img src=x onerror="window.__pwned = 'img'"> We thank the dock workers.
"""
HOSTILE_QUESTION = "How many new container cranes did the harbour install on the eastern quay this spring?"
API_KEY = "web-test-key-0123456789"
NEEDS_KEY = "This service needs an API key."


@pytest.fixture(scope="module")
def seed_server(service: QAService, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rag serve` over the seeds, open to all, reusing the session's index (`service` built it)."""
    log_path = tmp_path_factory.mktemp("web-seeds") / "serve.log"
    with live_server(settings.index_dir, settings.docs_dir, log_path, env={"RAG_API_KEYS": ""}) as base:
        yield base


def _one_file_server(tmp_path_factory: pytest.TempPathFactory, name: str, env: dict[str, str]) -> Iterator[str]:
    """`rag serve` with `env` over a one-file corpus full of markup, which it indexes at startup."""
    folder = tmp_path_factory.mktemp(name)
    docs = folder / "docs"
    docs.mkdir()
    (docs / HOSTILE_DOC).write_bytes(HOSTILE_TEXT.encode("utf-8"))
    with live_server(folder / "index", docs, folder / "serve.log", env=env) as base:
        yield base


@pytest.fixture(scope="module")
def protected_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rag serve` needing `API_KEY`, over a one-file corpus full of markup it indexes at startup."""
    yield from _one_file_server(tmp_path_factory, "web-hostile", {"RAG_API_KEYS": API_KEY})


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, one per module."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A fresh browser page plus what it did that a page must not: script errors, other origins."""

    def __init__(self, browser: Browser, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def open(self, base: str, *, filters: bool = True) -> Page:
        """Load the page at `base`; with `filters`, wait until its script has filled them in."""
        self.base = base
        self.page.goto(base + "/")
        if filters:
            expect(self.page.locator("#document-options input").first).to_be_attached()
        return self.page

    def assert_clean(self, *, refused: bool = False) -> None:
        """No script errors and no request that left the app's own origin.

        With `refused`, Chromium's own console line for a 401 answer is expected, nothing else.
        """
        unexpected = [e for e in self.errors if not (refused and "status of 401" in e)]
        assert unexpected == []
        assert self.requests and all(url.startswith(self.base + "/") for url in self.requests), self.requests


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    """A desktop-sized page."""
    window = Watched(browser, 1280, 900)
    yield window
    window.context.close()


def ask(page: Page, question: str) -> None:
    """Type a question and submit it with Enter, as a keyboard user would."""
    page.fill("#question", question)
    page.press("#question", "Enter")


def test_seed_question_shows_cited_extract_and_highlighted_span(watched: Watched, seed_server: str) -> None:
    page = watched.open(seed_server)
    ask(page, SEED_QUESTION)
    extract = page.locator(".extract").filter(has_text="103.96 billion yuan").first
    expect(extract).to_be_visible()
    citation = extract.locator("button.cite")
    expect(citation.locator(".cite-number")).to_have_text(re.compile(r"\[\d+\]"))
    expect(citation.locator(".speaker")).to_have_text("Zhu Bing")
    expect(citation.locator(".title")).to_contain_text("SCIO briefing on promoting high-quality development")
    expect(citation.locator(".date")).to_have_text("10 September 2024")

    citation.click()
    expect(citation).to_have_attribute("aria-expanded", "true")
    mark = extract.locator(".context mark")
    expect(mark).to_be_in_viewport()
    assert mark.text_content() == extract.locator(".extract-text").text_content()
    expect(extract.locator(".turn.cited .who")).to_have_text("Zhu Bing")
    # Every turn around it says who speaks.
    speakers = extract.locator(".context .who").all_text_contents()
    assert len(speakers) >= 3 and all(name.strip() for name in speakers), speakers

    citation.click()
    expect(extract.locator(".context")).to_be_hidden()
    watched.assert_clean()


def test_unanswerable_question_shows_the_abstention(watched: Watched, seed_server: str) -> None:
    page = watched.open(seed_server)
    ask(page, SEED_QUESTION)
    expect(page.locator(".extract").first).to_be_visible()
    ask(page, "What is a good recipe for apple pie?")
    expect(page.locator("#status")).to_have_text(ABSTENTION)
    expect(page.locator("#answer")).to_be_hidden()  # the previous question's extracts are gone
    watched.assert_clean()


def test_document_filter_is_sent_and_respected(watched: Watched, seed_server: str) -> None:
    page = watched.open(seed_server)
    page.click("#filters summary")
    title = "SCIO briefing on production capacity cooperation under B&R Initiative"
    page.locator("#document-options label").filter(has_text=title).locator("input").check()
    expect(page.locator("#filter-count")).to_have_text("(1)")
    with page.expect_request(lambda request: request.url.endswith("/ask")) as sent:
        ask(page, SEED_QUESTION)
    assert json.loads(sent.value.post_data)["filters"] == {"documents": ["003_94303b5083c37beb.txt"]}
    # Unfiltered this question is answered from another briefing; filtered, only that one may be cited.
    expect(page.locator("#answer:not([hidden]), #status.abstained")).to_be_visible()
    titles = page.locator("#answer:not([hidden]) .cite .title").all_text_contents()
    assert all(t == title for t in titles), titles
    watched.assert_clean()


def set_key(page: Page, key: str) -> None:
    """Type a key into the API key field and leave it, which stores it."""
    box = page.locator("#api-key-box")
    if not box.evaluate("details => details.open"):
        box.locator("summary").click()
    page.fill("#api-key", key)
    page.press("#api-key", "Tab")


def test_api_key_is_asked_for_remembered_and_sent(watched: Watched, protected_server: str) -> None:
    page = watched.open(protected_server, filters=False)
    expect(page.locator("#filters-note")).to_have_text("The filters need an API key.")
    ask(page, HOSTILE_QUESTION)
    expect(page.locator("#status")).to_have_text(NEEDS_KEY)
    expect(page.locator("#api-key")).to_be_focused()

    set_key(page, "not-the-right-key-000")
    ask(page, HOSTILE_QUESTION)
    expect(page.locator("#status")).to_have_text(re.compile("not accepted"))

    set_key(page, API_KEY)
    expect(page.locator("#document-options input")).to_have_count(1)  # the filters load with the key
    page.reload()
    expect(page.locator("#api-key")).to_have_value(API_KEY)
    expect(page.locator("#api-key-state")).to_have_text("(set)")
    with page.expect_request(lambda request: request.url.endswith("/ask")) as sent:
        ask(page, HOSTILE_QUESTION)
    assert sent.value.headers.get("x-api-key") == API_KEY
    expect(page.locator(".extract").first).to_be_visible()

    set_key(page, "")
    with page.expect_request(lambda request: request.url.endswith("/ask")) as sent:
        ask(page, HOSTILE_QUESTION)
    assert "x-api-key" not in sent.value.headers
    expect(page.locator("#status")).to_have_text(NEEDS_KEY)
    watched.assert_clean(refused=True)


def test_phone_width_needs_no_sideways_scrolling(browser: Browser, seed_server: str) -> None:
    window = Watched(browser, 390, 844)
    try:
        page = window.open(seed_server)
        ask(page, SEED_QUESTION)
        page.locator(".extract button.cite").first.click()
        expect(page.locator(".context mark").first).to_be_visible()
        page.click("#filters summary")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        expect(page.locator("#ask-button")).to_be_in_viewport()
        assert page.locator("#question").bounding_box()["width"] >= 200
        window.assert_clean()
    finally:
        window.context.close()


def test_markup_in_a_transcript_is_shown_as_text(watched: Watched, protected_server: str) -> None:
    page = watched.open(protected_server, filters=False)
    set_key(page, API_KEY)
    ask(page, HOSTILE_QUESTION)
    extract = page.locator(".extract").filter(has_text="container cranes").first
    expect(extract).to_be_visible()
    text = extract.locator(".extract-text").text_content()
    assert "<script>window.__pwned = 'script'</script>" in text
    extract.locator("button.cite").click()
    mark = extract.locator(".context mark")
    expect(mark).to_be_visible()
    assert mark.text_content() == text
    context = extract.locator(".context").text_content()
    assert "\N{SHIP} and welcome, <b>everyone</b>." in context
    assert "<img src=x onerror=\"window.__pwned = 'question'\">" in context
    assert page.locator("#answer script, #answer img, #answer b").count() == 0
    assert page.evaluate("window.__pwned") is None
    watched.assert_clean(refused=True)


CALL_VTT = """WEBVTT

NOTE Title: Port operations call
NOTE Media: https://media.example.org/call.mp4

1
00:12:31.200 --> 00:12:35.000
John Roe: Throughput rose by twelve percent at the eastern terminal.
"""


@pytest.fixture(scope="module")
def captions_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rag serve` over one WebVTT call with a media URL."""
    folder = tmp_path_factory.mktemp("web-captions")
    docs = folder / "docs"
    docs.mkdir()
    (docs / "call.vtt").write_text(CALL_VTT, encoding="utf-8")
    with live_server(folder / "index", docs, folder / "serve.log", env={"RAG_API_KEYS": ""}) as base:
        yield base


def test_a_timed_extract_shows_when_it_was_said_and_links_to_that_moment(
    watched: Watched, captions_server: str
) -> None:
    page = watched.open(captions_server)
    ask(page, "By how much did throughput rise at the eastern terminal?")
    extract = page.locator(".extract").filter(has_text="twelve percent").first
    expect(extract).to_be_visible()
    expect(extract.locator("button.cite .time")).to_have_text("at 12:31")
    link = extract.locator("a.media-link")
    expect(link).to_have_attribute("href", "https://media.example.org/call.mp4#t=751.2")
    extract.locator("button.cite").click()
    mark = extract.locator(".context mark")
    expect(mark).to_be_visible()
    assert mark.text_content() == extract.locator(".extract-text").text_content()
    watched.assert_clean()


WRITE_KEY = "web-write-key-0123456789"
FERRY_CAPTIONS = b"""WEBVTT

00:00:01.000 --> 00:00:04.000
<v Minister Alvarez>The ferry terminal reopens on 2 June with four new berths.
"""


@pytest.fixture(scope="module")
def writable_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rag serve` taking writes with `WRITE_KEY`, over a one-file corpus."""
    yield from _one_file_server(tmp_path_factory, "web-writable", {"RAG_WRITE_API_KEYS": WRITE_KEY})


def test_a_transcript_uploaded_from_the_page_is_answerable_at_once(watched: Watched, writable_server: str) -> None:
    page = watched.open(writable_server)
    page.click("#upload-box summary")
    page.set_input_files("#upload-file", files=[{"name": "ferry.vtt", "mimeType": "text/vtt", "buffer": FERRY_CAPTIONS}])
    page.click("#upload-button")
    expect(page.locator("#upload-status")).to_have_text(re.compile("write key"))  # no key yet: refused
    set_key(page, WRITE_KEY)
    page.click("#upload-button")
    expect(page.locator("#upload-status")).to_have_text(re.compile(r"ferry\.vtt: added"), timeout=60_000)
    expect(page.locator("#document-options input")).to_have_count(2)  # the new document is a filter choice
    ask(page, "How many new berths will the ferry terminal have?")
    first = page.locator(".extract").first
    expect(first).to_contain_text("four new berths")
    watched.assert_clean(refused=True)
