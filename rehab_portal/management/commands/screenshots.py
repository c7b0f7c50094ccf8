"""`make screenshots`: PNGs of every main page of the three roles at 1366 x 768 and at
390 x 844 (the whole page, not just the window), so a reviewer can look without running the
browser tests.

The demo data go into a throwaway SQLite database in a temporary folder (migrate, seed_demo),
served by runserver on a free port; Chromium (Playwright, Debian's /usr/bin/chromium) signs in
as each demo user and saves the pages. Nothing of the developer's own database is touched.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

CHROMIUM = "/usr/bin/chromium"
SIZES = {"1366x768": {"viewport": {"width": 1366, "height": 768}},
         "390x844": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
                     "is_mobile": True, "has_touch": True}}

# Each demo user and their main pages: (name, path), or (name, (pages to look on, link to
# follow)) for a page whose address holds a record's UUID (the first such link found).
PATHWAY = "a[href$='/pathway/']"
MEETING = "a[href^='/meetings/']"
PLAN = "a[href^='/plans/']"
ROLES = {
    "ke": ("ke.tromso", [
        ("inbox", "/inbox/ke/"), ("inbox-archive", "/inbox/ke/archive/"),
        ("overview", "/ke/overview/"), ("plans", "/ke/plans/"),
        ("plan", (["/ke/overview/"], PLAN)),
        ("pathway", (["/inbox/ke/", "/inbox/ke/archive/"], PATHWAY)),
        ("meeting", (["/inbox/ke/"], MEETING)),
        ("catalogue", "/services/"), ("notifications", "/notifications/")]),
    "planner": ("planlegger.unn", [
        ("home", "/"), ("ward-board", "/ward/"),
        ("pathway", (["/ward/", "/notifications/"], PATHWAY)),
        ("meeting", (["/ward/", "/notifications/"], MEETING)),
        ("patients", "/patients/"), ("notifications", "/notifications/")]),
    "coordinator": ("koordinator.tromso", [
        ("overview", "/ke/overview/"), ("plan", (["/ke/overview/"], PLAN)),
        ("notifications", "/notifications/")]),
}

# The patient's own door, as Astrid through the demo login (development settings): her pages,
# under her own address (/me/p/<uuid>/).
CITIZEN = ("Astrid Aune", [
    ("overview", ""), ("plan", "plan/"), ("self-report", "plan/self-report/"),
    ("meetings", "meetings/"), ("messages", "messages/"), ("rights", "rights/"),
    ("access-log", "rights/log/"), ("representatives", "rights/representatives/")])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Command(BaseCommand):
    help = ("Save PNGs of every main page of the three demo roles at 1366x768 and 390x844 "
            "from demo data in a throwaway database.")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--out", default="screenshots",
                            help="Folder for the PNGs (default: screenshots/).")

    def handle(self, *args, out, **options):
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise CommandError("Playwright is not installed: run `make install`") from exc
        if not os.path.exists(CHROMIUM):
            raise CommandError(f"Chromium is not installed at {CHROMIUM}")
        folder = Path(out).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        manage = str(settings.BASE_DIR / "manage.py")
        with tempfile.TemporaryDirectory(prefix="rehab-screenshots-") as scratch:
            env = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
            env.update(DJANGO_SETTINGS_MODULE="rehab_portal.settings.dev",
                       DATABASE_URL=f"sqlite:///{scratch}/db.sqlite3", REHAB_VAR_DIR=scratch)
            for step in (["migrate", "--noinput"], ["seed_demo"]):
                self.stdout.write(f"manage.py {' '.join(step)} (throwaway database)")
                subprocess.run(  # noqa: S603 - our own manage.py
                    [sys.executable, manage, *step], env=env, check=True,
                    stdout=subprocess.DEVNULL)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = subprocess.Popen(  # noqa: S603 - our own manage.py
                [sys.executable, manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                self._wait_for(base, server)
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                    try:
                        saved = self._shoot(browser, base, folder)
                    finally:
                        browser.close()
            finally:
                server.terminate()
                server.wait(timeout=15)
        for path in saved:
            self.stdout.write(str(path.relative_to(Path.cwd()) if path.is_relative_to(
                Path.cwd()) else path))
        self.stdout.write(self.style.SUCCESS(f"{len(saved)} screenshots in {folder}"))

    def _wait_for(self, base, server):
        for _ in range(60):
            if server.poll() is not None:
                raise CommandError("runserver stopped before it answered")
            try:
                with urllib.request.urlopen(base + "/accounts/login/", timeout=2):  # noqa: S310
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise CommandError("runserver did not answer within 30 seconds")

    def _shoot(self, browser, base, folder) -> list[Path]:
        saved, found = [], {}
        for role, (username, pages) in ROLES.items():
            for size, options in SIZES.items():
                context = browser.new_context(locale="nb-NO", **options)
                page = context.new_page()
                page.set_default_timeout(20_000)
                try:
                    page.goto(base + "/accounts/login/")
                    page.locator("input[name=username]").fill(username)
                    page.locator("input[name=password]").fill(f"{username}-demo")
                    page.locator("main form button[type=submit]").click()
                    page.wait_for_url(lambda url: "/accounts/login/" not in url)
                    for name, where in pages:
                        if isinstance(where, tuple):
                            # The first such page found on the user's own pages, else the
                            # one found for an earlier user (if this user may see it).
                            where = self._find(page, base, *where) or found.get(name)
                            if where is None:
                                self.stderr.write(f"{role}: no {name} page found to show")
                                continue
                            found.setdefault(name, where)
                        response = page.goto(base + where)
                        if response is None or response.status != 200:
                            self.stderr.write(f"{role}: {where} answered "
                                              f"{response.status if response else 'nothing'}")
                            continue
                        page.wait_for_load_state("networkidle")
                        path = folder / f"{role}-{name}-{size}.png"
                        page.screenshot(path=str(path), full_page=True)
                        saved.append(path)
                finally:
                    context.close()
        saved += self._shoot_citizen(browser, base, folder)
        return saved

    def _shoot_citizen(self, browser, base, folder) -> list[Path]:
        name, pages = CITIZEN
        saved = []
        for size, options in SIZES.items():
            context = browser.new_context(locale="nb-NO", **options)
            page = context.new_page()
            page.set_default_timeout(20_000)
            try:
                page.goto(base + "/me/sign-in/")
                page.get_by_role("button", name=name).first.click()
                page.wait_for_url(lambda url: "/me/p/" in url)
                door = page.url
                for shot, suffix in pages:
                    response = page.goto(door + suffix)
                    if response is None or response.status != 200:
                        self.stderr.write(f"patient: {suffix} answered "
                                          f"{response.status if response else 'nothing'}")
                        continue
                    page.wait_for_load_state("networkidle")
                    path = folder / f"patient-{shot}-{size}.png"
                    page.screenshot(path=str(path), full_page=True)
                    saved.append(path)
            finally:
                context.close()
        return saved

    def _find(self, page, base, places, selector):
        for place in places:
            page.goto(base + place)
            link = page.locator(selector).first
            if link.count():
                return link.get_attribute("href")
        return None
