"""Steps the browser journeys share."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

DEMO_PASSWORD = "demo-pass-2026"


def log_in(page, username, password=DEMO_PASSWORD):
    """Log in through the login form (mouse and typing)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My teams", exact=True)).to_be_visible()


def serious_violations(page, context=None):
    """axe-core's serious and critical violations on the current page, as readable lines."""
    results = Axe().run(page, context=context)
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return lines


def focus_by_tab(page, css, text=None, backwards=False, limit=400):
    """Press Tab (or Shift+Tab) until the focused element matches ``css`` (and contains
    ``text``), as a keyboard user moves through the page; fails after ``limit`` presses."""
    key = "Shift+Tab" if backwards else "Tab"
    check = """([css, text]) => {
        const el = document.activeElement;
        return !!el && el.matches(css) && (text === null || el.textContent.includes(text));
    }"""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(check, [css, text]):
            return
    raise AssertionError(f"{key} x{limit} never reached {css} {text or ''}".strip())


def keyboard_log_in(page, username, password=DEMO_PASSWORD):
    """Log in with the keyboard only: Tab to the fields, type, Enter."""
    page.goto("/accounts/login/")
    focus_by_tab(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    press_to_navigate(page)
    expect(page.get_by_role("heading", name="My teams", exact=True)).to_be_visible()


def press_to_navigate(page, key="Enter"):
    """Press ``key`` on the focused link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def confirm_dialog(page):
    """The confirmation dialog (static/js/confirm.js) a form with data-confirm opens."""
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    return dialog
