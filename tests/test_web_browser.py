"""The web pages in a real headless Chromium against the real app served by uvicorn.

Needs Debian's chromium (``apt-get install -y chromium``) and the ``playwright`` Python
package; Playwright's own browser download is never used.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from conftest import serve

from medora.api import SEED_QUESTION

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# Every test on the index runs on both backends (conftest.BACKENDS).
pytestmark = [pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium: apt-get install -y chromium"
), pytest.mark.both_backends]


@pytest.fixture(scope="module")
def server_url(built_index):
    """The real app served by uvicorn on a free loopback port, in a background thread."""
    from medora.web import create_app

    settings, _ = built_index
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def console_errors() -> list[str]:
    """CSP violations and script errors reported by the page."""
    return []


@pytest.fixture()
def page(browser, console_errors):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)  # the first dense query loads the embedding model
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    yield page
    context.close()


def test_ask_her2_from_home_page_and_follow_a_citation(server_url, page, console_errors):
    expected = httpx.post(f"{server_url}/api/v1/answers", json={"question": SEED_QUESTION}, timeout=120).json()

    page.goto(f"{server_url}/")
    page.fill("textarea[name=q]", SEED_QUESTION)
    page.click("section.hero form.ask button[type=submit]")
    page.wait_for_url("**/answer?**")

    assert page.locator("h1").text_content() == SEED_QUESTION
    assert page.locator("ol.review li.current").text_content() == "Submitted"
    assert page.locator("section.bottom-line .text").all_text_contents() == [s["text"] for s in expected["bottom_line"]]
    assert page.locator("section.answer-section h2").all_text_contents() == [sec["title"] for sec in expected["sections"]]
    references = page.locator("ol.references li.reference")
    assert references.count() == len(expected["references"])
    assert any("American Society of Clinical Oncology" in text for text in references.all_text_contents())
    # Newer evidence above the 2014 guideline statements, with both years shown; a guideline
    # option after its lead-in.
    newer = page.locator("li.statement.newer")
    assert newer.count() >= 1
    assert newer.first.locator(".newer-mark").text_content() == \
        "Newer evidence (2025; the guideline statements below are from 2014):"
    assert "trastuzumab deruxtecan" in newer.first.locator(".text").text_content()
    lead_ins = page.locator("li.statement .lead-in").all_text_contents()
    assert any(t.startswith("If a patient's cancer is hormone receptor positive and HER2 positive") for t in lead_ins)

    links = page.locator("sup.cites a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("#ref-") for h in hrefs)
    for href in set(hrefs):
        assert page.locator(href).count() == 1, href
    links.first.click()
    assert page.evaluate("location.hash") == hrefs[0]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "answer-page.png"), full_page=True)

    first = expected["bottom_line"][0]
    page.locator("section.bottom-line a.src").first.click()
    page.wait_for_url("**/source/**")
    assert page.locator("mark.statement").text_content() == first["text"]
    assert first["text"] in page.locator("mark.passage").text_content()
    page.screenshot(path=str(ARTIFACTS / "source-view.png"))
    assert console_errors == []


def test_audience_selector_and_print_layout_on_a_phone(server_url, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server_url}/answer?q={SEED_QUESTION}")
        assert page.locator("form.audience .apply").is_hidden()  # the script submits on change
        with page.expect_navigation():
            page.select_option("select[name=audience]", "pharmacist")
        assert "audience=pharmacist" in page.url
        assert page.locator("select[name=audience]").input_value() == "pharmacist"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / "answer-page-phone.png"), full_page=True)

        page.emulate_media(media="print")
        assert page.locator(".toolbar").is_hidden() and page.locator(".follow-up").is_hidden()
        assert page.locator("section.bottom-line").is_visible()
    finally:
        context.close()


def test_switch_audience_and_continue_the_thread(server_url, page, console_errors):
    brain = "What if she has brain metastases?"
    page.goto(f"{server_url}/answer?" + urlencode({"q": SEED_QUESTION}))
    assert page.locator("select[name=audience]").input_value() == "physician"
    assert page.locator("section.framing").count() == 0
    with page.expect_navigation():
        page.select_option("select[name=audience]", "patient_caregiver")
    assert "audience=patient_caregiver" in page.url and "thread=" in page.url
    assert page.locator("section.framing h2").text_content() == "What this means for you"
    original = page.locator("details.original").first
    assert original.locator(".original-text").is_hidden()
    original.locator("summary").click()
    assert original.locator(".original-text").is_visible()
    assert 2 <= page.locator("ul.follow-ups a").count() <= 4
    assert "reading grade" in page.locator("p.meta").text_content()
    page.screenshot(path=str(ARTIFACTS / "answer-page-patient.png"), full_page=True)

    page.fill("section.follow-up textarea[name=q]", brain)
    with page.expect_navigation():
        page.click("section.follow-up form.ask button[type=submit]")
    assert page.locator("h1").text_content() == brain
    assert page.locator("p.resolved q").text_content() == f"{brain} (HER2-positive breast cancer)"
    assert [t.strip() for t in page.locator("nav.thread li").all_text_contents()] == [SEED_QUESTION, brain]
    assert page.locator("nav.thread a[aria-current]").text_content() == brain
    assert page.locator("select[name=audience]").input_value() == "patient_caregiver"
    assert any("brain metastases" in t for t in page.locator("ol.references li.reference .title").all_text_contents())
    page.screenshot(path=str(ARTIFACTS / "answer-page-thread.png"), full_page=True)

    with page.expect_navigation():
        page.locator("nav.thread a").first.click()
    assert page.locator("h1").text_content() == SEED_QUESTION
    assert [t.strip() for t in page.locator("nav.thread li").all_text_contents()] == [SEED_QUESTION, brain]
    # The choice is remembered in this browser: the home page asks for the same audience.
    page.goto(f"{server_url}/")
    assert page.locator("section.hero input[name=audience]").input_value() == "patient_caregiver"
    assert console_errors == []
