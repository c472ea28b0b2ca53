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


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """The live server, started only after the test database exists.

    pytest-django shares the test thread's connection with the server's threads when the database is in memory, and
    decides that when the server starts; started before the database is set up, it would see the in-memory default
    and share one connection among concurrent requests (HTMX loads panels in parallel), which breaks. The test
    settings put SQLite's test database in a file, so each request thread has its own connection, as in production.
    """
    return live_server


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone, as in a village
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request, page):
    """A failed browser test leaves a screenshot and the page's HTML in test-results/ to look at."""
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        os.makedirs("test-results", exist_ok=True)
        page.screenshot(path=f"test-results/{request.node.name}.png", full_page=True)
        with open(f"test-results/{request.node.name}.html", "w") as fh:
            fh.write(page.content())
