"""Browser journeys: the system Chromium driven by Playwright against Django's live server.

No browser is downloaded (never `playwright install`): the tests launch the Chromium found at
$CHROMIUM, /usr/bin/chromium or on the PATH. Without one they are skipped with a message
that says how to enable them; in CI (CI=true) a missing Chromium fails them instead, so CI
can never pass by skipping them.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ENABLE_HINT = (
    "install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or set "
    "CHROMIUM=/path/to/chromium; no Playwright browser download is needed"
)


def find_chromium():
    """The Chromium executable to drive, or None."""
    wanted = os.environ.get("CHROMIUM")
    if wanted:
        return wanted if Path(wanted).is_file() and os.access(wanted, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _missing_reason():
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    if find_chromium() is None:
        where = os.environ.get("CHROMIUM") or "/usr/bin/chromium or on the PATH"
        return f"no Chromium at {where}"
    return None


def _in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


_skipped = []


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    ours = [item for item in items if here in item.path.resolve().parents]
    reason = _missing_reason() if ours else None
    if reason is None or _in_ci():
        return  # in CI the `browser` fixture fails them instead
    skip = pytest.mark.skip(reason=f"Browser tests skipped: {reason}; to run them, {ENABLE_HINT}.")
    for item in ours:
        item.add_marker(skip)
    _skipped.extend(ours)


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_sep("=", "browser tests skipped", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(_skipped)} browser tests did not run: {_missing_reason()}. "
            f"To run them, {ENABLE_HINT}."
        )


@pytest.fixture(scope="session")
def browser():
    reason = _missing_reason()
    if reason:  # only in CI: elsewhere the tests were marked skipped at collection
        pytest.fail(
            f"CI=true and the browser tests cannot run: {reason}. CI never skips them: "
            f"{ENABLE_HINT} (.ci/run installs it with apt).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, so Django refuses ORM
    # calls from the test body ("You cannot call this from an async context") although
    # nothing here is async. The guard is off while the browser runs, and only then.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=find_chromium(), args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def demo(transactional_db):
    """The demo organisation (Northwind Digital), committed so the live server sees it."""
    from reports.demo import load_demo_organization

    return load_demo_organization()


@pytest.fixture
def new_context(browser, live_server):
    """Makes browser contexts (one per person) against the live server; all closed after."""
    contexts = []

    def make(width=1280, height=900):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            accept_downloads=True,
            locale="en-GB",
            timezone_id="UTC",
            # Bootstrap then skips its colour transitions (0.15 s), so axe reads each control's
            # settled colours, never a mix caught mid-transition after a click.
            reduced_motion="reduce",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()
