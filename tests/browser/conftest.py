"""Browser tests drive Debian's chromium (/usr/bin/chromium) through Playwright; no browser is downloaded."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `make browser` (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test itself are plain.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
                  "--no-first-run", "--disable-sync"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone, as in a village
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
