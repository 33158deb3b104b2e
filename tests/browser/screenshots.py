"""Screenshots of the main pages at desktop (1280 px) and phone (390 px) widths, into
docs/screens/ (`make screenshots`).

It never touches var/: a fresh demo database in a temporary folder, plus a second organisation
of 50 teams (one with a 90-character name) for the heatmap and an empty team for the empty
states, served by its own `runserver` on a free port and photographed with the system
Chromium (see tests/browser/conftest.py). Usage: python tests/browser/screenshots.py [NAME...]
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screens"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
MAX_HEIGHT = 2400  # long pages are cut here: the top of a page is what a screenshot is for
LONG_NAME = (
    "Customer Identity, Authentication & Single Sign-On Platform Engineering (EMEA, LatAm + NA)"
)
SCREENS_ORG = "screens"
assert len(LONG_NAME) == 90


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(tmp):
    """Settings for a throwaway site: everything under ``tmp``."""
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="vsm_site.settings",
        VAR_DIR=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),
        CELERY_BROKER_URL="memory://",
        CELERY_RESULT_BACKEND="cache+memory://",
        DEBUG="true",  # static files from the apps, plain HTTP cookies
        LOG_LEVEL="WARNING",
    )


def seed():
    """Runs in a child process with the throwaway settings: migrate and load the data."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from assessments.models import Membership, Organization, Team, TeamGroup
    from reports.demo import DEMO_PASSWORD, load_demo_organization
    from tests.bench.data import generate_organization

    call_command("migrate", verbosity=0)
    demo = load_demo_organization()
    group = TeamGroup.objects.get(organization=demo.organization, name="Payments")
    empty = Team.objects.create(
        organization=demo.organization, group=group, name="Payment Gateway", slug="gateway"
    )
    lead = get_user_model().objects.create_user(
        "gateway.lead", password=DEMO_PASSWORD, first_name="Gateway", last_name="Lead"
    )
    Membership.objects.create(team=empty, user=lead, role=Membership.LEAD)
    generate_organization(teams=50, quarters=4, slug=SCREENS_ORG)
    org = Organization.objects.get(slug=SCREENS_ORG)
    Organization.objects.filter(pk=org.pk).update(name="Contoso Retail (50 teams)")
    Team.objects.filter(organization=org, slug="team-001").update(name=LONG_NAME)


def pages():
    """(file name, user, path) per screenshot; ids looked up in the seeded database."""
    import django

    django.setup()
    from assessments.models import Assessment, Result, Team

    checkout = Team.objects.get(organization__slug="northwind", slug="checkout")
    current = Assessment.objects.get(team=checkout, status=Assessment.OPEN)
    result = Result.objects.filter(team=checkout).order_by("-period").first()
    gateway = Team.objects.get(slug="gateway")
    long_team = Team.objects.get(organization__slug=SCREENS_ORG, slug="team-001")
    long_result = Result.objects.filter(team=long_team).order_by("-period").first()
    lead, coe = "checkout.lead", "coe"
    long_lead = f"{SCREENS_ORG}-t001-m1"
    return [
        ("login", None, "/accounts/login/"),
        ("home", lead, "/"),
        ("team", lead, f"/teams/{checkout.id}/"),
        ("answering", "checkout.m1", f"/assessments/{current.id}/answer/"),
        ("result", lead, f"/assessments/{result.assessment_id}/result/"),
        ("dora", lead, f"/teams/{checkout.id}/dora/"),
        ("roadmap", lead, f"/teams/{checkout.id}/roadmap/"),
        ("history", lead, f"/teams/{checkout.id}/history/"),
        ("value-stream", lead, f"/teams/{checkout.id}/value-stream/"),
        ("coe-dashboard", coe, "/coe/"),
        ("campaigns-empty", coe, "/campaigns/"),
        ("questionnaires", coe, "/questionnaires/"),
        ("portfolio", coe, "/portfolio/"),
        ("heatmap-50-teams", f"{SCREENS_ORG}-coe", "/coe/"),
        ("team-long-name", long_lead, f"/teams/{long_team.id}/"),
        ("result-long-name", long_lead, f"/assessments/{long_result.assessment_id}/result/"),
        ("team-empty", "gateway.lead", f"/teams/{gateway.id}/"),
        ("dora-empty", "gateway.lead", f"/teams/{gateway.id}/dora/"),
        ("roadmap-empty", "gateway.lead", f"/teams/{gateway.id}/roadmap/"),
    ]


def password_for(username):
    from reports.demo import DEMO_PASSWORD
    from tests.bench.data import BENCH_PASSWORD

    return BENCH_PASSWORD if username.startswith(f"{SCREENS_ORG}-") else DEMO_PASSWORD


def wait_for(url, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped (exit {process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer on {url} within {seconds} s")


def photograph(base_url, shots):
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.browser.conftest import CHROMIUM_ARGS, ENABLE_HINT, find_chromium

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit(f"No Chromium found: {ENABLE_HINT}.")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for label, (width, height) in WIDTHS.items():
            contexts = {}
            for name, user, path in shots:
                if user not in contexts:
                    context = browser.new_context(
                        base_url=base_url, viewport={"width": width, "height": height},
                        locale="en-GB", timezone_id="UTC",
                        device_scale_factor=1, is_mobile=label == "phone",
                        has_touch=label == "phone",
                    )  # fmt: skip
                    page = context.new_page()
                    if user:
                        page.goto("/accounts/login/")
                        page.fill("#id_username", user)
                        page.fill("#id_password", password_for(user))
                        with page.expect_navigation():
                            page.click("button[type=submit]")
                    contexts[user] = context
                page = contexts[user].pages[0]
                page.goto(path)
                page.wait_for_load_state("networkidle")
                full = page.evaluate("document.documentElement.scrollHeight")
                target = OUT / f"{name}-{label}.png"
                page.screenshot(
                    path=str(target),
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": min(full, MAX_HEIGHT)},
                )
                print(f"  {target.relative_to(ROOT)}")
            for context in contexts.values():
                context.close()
        browser.close()


def main(wanted):
    tmp = Path(tempfile.mkdtemp(prefix="vsm-screens-"))
    env = environment(tmp)
    server = None
    try:
        print(f"Seeding a fresh demo database in {tmp} ...")
        subprocess.run([sys.executable, __file__, "--seed"], env=env, cwd=ROOT, check=True)
        os.environ.update(env)
        shots = [s for s in pages() if not wanted or s[0] in wanted]
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        wait_for(f"{base_url}/ping", server)
        print(f"Photographing {len(shots)} pages at {', '.join(WIDTHS)} widths:")
        photograph(base_url, shots)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:] == ["--seed"]:
        seed()
    else:
        main(set(sys.argv[1:]))
