"""Editorial review in a real headless Chromium: a reviewer signs in, takes and approves an
article, and the reader's page changes from "pending human review" to "Approved".

Needs Debian's chromium (``apt-get install -y chromium``) and the ``playwright`` package.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import serve

from medora.api import SEED_QUESTION

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PASSWORD = "correct horse battery"
BANNER = "Educational purpose only — content pending human review"

# Every test on the index runs on both backends (conftest.BACKENDS).
pytestmark = [pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium: apt-get install -y chromium"
), pytest.mark.both_backends]


@pytest.fixture(scope="module")
def server_url(built_index, tmp_path_factory):
    """The real app (own editorial database, one reviewer) served by uvicorn on a free loopback port."""
    from medora.articles_db import ArticleStore
    from medora.auth import add_user
    from medora.web import create_app

    settings, _ = built_index
    url = f"sqlite:///{tmp_path_factory.mktemp('editorial-browser') / 'articles.db'}"
    settings = settings.model_copy(update={"articles": settings.articles.model_copy(update={"database_url": url})})
    store = ArticleStore.open(settings)
    add_user(store, "dr.lee", "reviewer", PASSWORD, display_name="Dr Ana Lee", credentials="MD, PhD",
             specialty="Medical oncology")
    store.close()
    with serve(create_app(settings)) as url:
        yield url


def test_reviewer_approves_and_the_readers_banner_goes(server_url):
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    answer_url = f"{server_url}/answer?{urlencode({'q': SEED_QUESTION})}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60_000)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(answer_url)
            assert page.locator("p.banner").text_content() == BANNER
            assert page.locator("ol.review li").all_text_contents() == ["Submitted", "Under Review", "Approved"]
            assert page.locator("ol.review li.current").text_content() == "Submitted"
            assert page.locator("p.reviewed").count() == 0

            # The session cookie is Secure: Chromium keeps it for http://127.0.0.1 (a trustworthy origin).
            page.goto(f"{server_url}/login?next=/review")
            page.fill("#username", "dr.lee")
            page.fill("#password", PASSWORD)
            page.click("form.stacked button[type=submit]")
            page.wait_for_url("**/review")
            page.click(f"table.data a:text('{SEED_QUESTION}')")
            page.wait_for_url("**/review/articles/*")
            page.click("form.action-assign button[type=submit]")
            page.wait_for_selector("form.action-approve")
            assert page.locator("ol.review li.current").text_content() == "Under Review"
            page.fill("form.action-approve textarea[name=comment]", "Each statement matches its source.")
            page.click("form.action-approve button[type=submit]")
            page.wait_for_selector("ol.review li.current:text('Approved')")
            newest = page.locator("section.history tbody tr").first.locator("td").all_text_contents()
            assert newest[1:] == ["dr.lee", "approve", "under review → approved", "Each statement matches its source."]
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "review-article.png"), full_page=True)

            page.goto(answer_url)
            assert page.locator("p.banner").count() == 0
            assert page.locator("ol.review li.current").text_content() == "Approved"
            assert " ".join(page.locator("p.reviewed").text_content().split()) == (
                "Reviewed by Dr Ana Lee, MD, PhD (Medical oncology) · Medical Advisory Board")
            page.screenshot(path=str(ARTIFACTS / "answer-approved.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []  # no CSP violation, no script error
