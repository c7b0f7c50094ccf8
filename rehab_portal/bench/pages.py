"""The pages part of `make bench`: the screens and API lists people and EPJ systems poll all
day, timed at each size of the history, with their query counts.

A page that reads only the working set (patients still admitted, the page asked for) takes
about as long over a million past admissions as over a thousand: the target is at most
TARGET_RATIO × the time at the smallest size, with the same number of queries. The requests
go through Django's test client in this process (the middleware, the views, the templates,
the audit), so a time is the server's whole work for one request.
"""

import re
import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

TARGET_RATIO = 1.5
PAGE_SIZE = 100
# Discharged patients of the KE's municipality whose notice nobody acknowledged, made once
# before the first size: the archive shows a full page at every size (at 10 000 admissions
# the generated history leaves the municipality about three), so its time compares the
# same page against more history, not 3 rows against 25.
ARCHIVE_BACKLOG = 40


def archive_backlog(world) -> int:
    """ARCHIVE_BACKLOG stays of the first municipality's residents at the first hospital,
    each with a notice sent and never acknowledged, ended with a discharge home."""
    import datetime

    from django.utils import timezone

    from pathways.services import admit_patient, discharge_patient, send_early_notification
    from registry.models import Organization, User, Ward

    from .api import bench_patients

    hospital = Organization.objects.get(pk=world.hospitals[0])
    municipality = Organization.objects.get(pk=world.municipalities[0])
    planner = User.objects.get(pk=world.planners[world.hospitals[0]][0])
    patients = bench_patients(planner, hospital, municipality, count=ARCHIVE_BACKLOG,
                              given_name="Arkiv", first_birth_year=1930, first_serial=700)
    for made, patient in enumerate(patients):
        admitted = timezone.now() - datetime.timedelta(days=30 + made)
        admission = admit_patient(by=planner, patient=patient, hospital=hospital,
                                  ward=Ward.objects.filter(hospital=hospital).first(),
                                  admitted_at=admitted)
        send_early_notification(admission, by=planner)
        discharge_patient(admission, by=planner, destination="home",
                          discharged_at=admitted + datetime.timedelta(days=5))
    return ARCHIVE_BACKLOG


@dataclass
class Target:
    name: str
    client: str  # "ke", "planner", "api"
    url: str
    params: dict
    htmx: bool = False
    status: int = 200


class Pages:
    """The users and objects the pages are read as, made once before the first size."""

    def __init__(self, world, api_key: str, runs: int):
        from pathways.models import Patient
        from registry.models import ApiClient, User

        self.world = world
        self.runs = runs
        municipality = world.municipalities[0]
        hospital = world.hospitals[0]
        self.ke = User.objects.get(pk=world.ke_by_org[municipality][0])
        self.planner = User.objects.get(pk=world.planners[hospital][0])
        self.api_user = ApiClient.objects.get(organization_id=hospital, name="Bench EPJ").user
        self.clients = {
            "ke": Client(HTTP_HOST="127.0.0.1"),
            "planner": Client(HTTP_HOST="127.0.0.1"),
            "api": Client(HTTP_AUTHORIZATION=f"Bearer {api_key}", HTTP_HOST="127.0.0.1"),
        }
        self.clients["ke"].force_login(self.ke)
        self.clients["planner"].force_login(self.planner)
        # A patient admitted now at the hospital, for the pathway page.
        self.patient = Patient.objects.filter(given_name="Api0", family_name="Bench").get()

    def targets(self) -> list[Target]:
        inbox = reverse("pathways:ke_inbox")
        board = reverse("pathways:ward_board")
        targets = [
            Target("KE inbox", "ke", inbox, {}),
            Target("KE inbox poll (unchanged)", "ke", inbox,
                   {"fingerprint": self.fingerprint("ke", inbox)}, htmx=True, status=204),
            Target("ward board", "planner", board, {}),
            # The board shows a page of the hospital's open admissions; the next one costs
            # the same (the database orders them and skips the first page).
            Target("ward board page 2", "planner", board, {"ward": "all", "page": 2}),
            # A poll names the ward it shows (the board's own URL): this planner has none.
            Target("ward board poll (unchanged)", "planner", board,
                   {"fingerprint": self.fingerprint("planner", board), "ward": "all"},
                   htmx=True),
            Target("KE overview", "ke", reverse("coordination:ke_overview"), {}),
            Target("pathway page", "planner",
                   reverse("pathways:patient_pathway", args=[self.patient.uuid]), {}),
        ]
        archive = _reverse_or_none("pathways:ke_inbox_archive")
        if archive:
            targets.insert(2, Target("KE inbox archive", "ke", archive, {}))
        for name in ("patients", "admissions", "early-notifications", "discharge-meetings"):
            url = f"/api/v1/{name}/"
            targets.append(Target(f"API {name} first page", "api", url,
                                  {"page_size": PAGE_SIZE}))
            # The last page: the cursor is the way to walk deep (docs/api.md); page numbers
            # end API_PAGE_COUNT_LIMIT rows deep, and their deepest page is shown for itself.
            targets.append(Target(f"API {name} last page (cursor)", "api", url,
                                  {"page_size": PAGE_SIZE, "cursor": self.last_cursor(name)}))
            targets.append(Target(f"API {name} deepest page number *", "api", url,
                                  {"page_size": PAGE_SIZE, "page": self.last_page(url)}))
        targets.append(Target("API patients ?name=Bench", "api", "/api/v1/patients/",
                              {"name": "Bench", "page_size": PAGE_SIZE}))
        return targets + self.fhir_targets()

    def fhir_targets(self) -> list[Target]:
        targets = []
        for resource_type in ("Encounter", "Patient"):
            url = f"/fhir/r4/{resource_type}"
            targets.append(Target(f"FHIR {resource_type} first page", "api", url,
                                  {"_count": PAGE_SIZE}))
            # As a client that followed the next links to the end holds before the last page.
            cursor = self.last_fhir_cursor(resource_type)
            targets.append(Target(f"FHIR {resource_type} last page (cursor)", "api", url,
                                  {"_count": PAGE_SIZE, **({"_cursor": cursor} if cursor else {})}))
        return targets

    def fingerprint(self, client: str, url: str) -> str:
        html = self.clients[client].get(url).content.decode()
        # The board's poll carries it in hx-vals; the inbox's includes a hidden input.
        found = re.search(r'"fingerprint": "([0-9a-f]+)"|name="fingerprint" value="([0-9a-f]+)"',
                          html)
        return (found.group(1) or found.group(2)) if found else ""

    def last_page(self, url: str) -> int:
        """The deepest page the page-number mode serves (its count may be bounded)."""
        body = self.clients["api"].get(url, {"page_size": PAGE_SIZE}).json()
        count = body.get("count") or 0
        return max(1, -(-count // PAGE_SIZE))

    def last_cursor(self, name: str) -> str:
        """A cursor one page before the end of the client's rows (what a client that walked
        the whole list holds before its last page)."""
        from common.api.pagination import encode_cursor
        from pathways.models import Admission, DischargeMeeting, EarlyNotification, Patient

        model = {"patients": Patient, "admissions": Admission,
                 "early-notifications": EarlyNotification,
                 "discharge-meetings": DischargeMeeting}[name]
        row = (model.objects.visible_to(self.api_user).order_by("-updated_at", "-uuid")
               .values_list("updated_at", "uuid")[PAGE_SIZE:PAGE_SIZE + 1])
        row = list(row)
        return encode_cursor(*row[0]) if row else ""

    def last_fhir_cursor(self, resource_type: str) -> str:
        """The `_cursor` of the next link that leads to the last page of a FHIR search: the
        key of the row PAGE_SIZE from the end of the client's rows (newest first)."""
        from fhir_api import paging
        from fhir_api.resources import HANDLERS

        handler = HANDLERS[resource_type]
        row = list(handler.base(self.api_user).order_by(*handler.order)
                   [PAGE_SIZE:PAGE_SIZE + 1])
        return paging.encode(resource_type, handler.key_of(row[0])) if row else ""

    def measure(self, targets: list[Target] | None = None) -> dict[str, dict]:
        results = {}
        for target in self.targets() if targets is None else targets:
            client = self.clients[target.client]
            headers = {"HTTP_HX_REQUEST": "true"} if target.htmx else {}
            response = client.get(target.url, target.params, **headers)  # warm up
            if response.status_code != target.status and not (
                    target.htmx and response.status_code in (200, 204)):
                raise RuntimeError(f"{target.name}: {target.url} answered "
                                   f"{response.status_code}")
            timings = []
            for _ in range(self.runs):
                started = time.perf_counter()
                client.get(target.url, target.params, **headers)
                timings.append(time.perf_counter() - started)
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(target.url, target.params, **headers)
            rows = ""
            if response.get("Content-Type", "").startswith(("application/json",
                                                            "application/fhir+json")):
                body = response.json()  # a REST page's results, a FHIR Bundle's entries
                rows = len(body.get("results", body.get("entry", [])))
            # The best run: the machine's other work only ever adds to a time.
            results[target.name] = {"ms": min(timings) * 1000,
                                    "median_ms": statistics.median(timings) * 1000,
                                    "queries": len(queries), "rows": rows,
                                    "status": response.status_code}
        return results


PLANNER_PAGES = ("KE inbox", "ward board", "KE overview", "pathway page",
                 "API admissions first page", "API early-notifications first page",
                 "API discharge-meetings first page")
# What settings choose for the portal's connections (DATABASE_JIT, DATABASE_PARALLEL_WORKERS),
# each against its alternative.
PLANNER_CHOICES = (
    ("JIT", "jit", ("on", "off")),
    ("parallel workers", "max_parallel_workers_per_gather", ("2", "0")),
)


def planner_report(say, pages: "Pages") -> None:
    """The pages again with PostgreSQL's JIT and parallel workers on and off (settings turn
    both off for the portal's connections): the choices, measured."""
    if connection.vendor != "postgresql":
        return
    chosen = [t for t in pages.targets() if t.name in PLANNER_PAGES]
    for label, setting, values in PLANNER_CHOICES:
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {setting}")
            kept = cursor.fetchone()[0]
        best = {(value, t.name): float("inf") for value in values for t in chosen}
        for _ in range(3):  # alternate, so that the machine's other work falls on both alike
            for value in values:
                with connection.cursor() as cursor:
                    cursor.execute(f"SET {setting} = {value}")
                for name, row in pages.measure(chosen).items():
                    best[value, name] = min(best[value, name], row["ms"])
        with connection.cursor() as cursor:
            cursor.execute(f"SET {setting} = {kept}")
        say(f"\nPostgreSQL {label} at the largest size (best of alternating runs, ms; the "
            f"portal's connections run with {setting} = {kept})")
        say(f"{'page':<42} " + " ".join(f"{f'{setting[:12]} {value}':>18}"
                                        for value in values))
        for target in chosen:
            say(f"{target.name:<42} " + " ".join(f"{best[value, target.name]:>18.1f}"
                                                for value in values))


def _reverse_or_none(name: str) -> str | None:
    from django.urls import NoReverseMatch

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def report(say, style, results: list[tuple[int, dict]]) -> list[str]:
    """One line per page: the time and queries at each size, the ratio of the largest to the
    smallest against TARGET_RATIO. Returns the names that miss the target."""
    sizes = [size for size, _rows in results]
    first, last = results[0][1], results[-1][1]
    head = " ".join(f"{f'{size:,} ms':>12} {'q':>3}" for size in sizes)
    header = f"{'page':<42} {head} {'ratio':>6}  target ≤ {TARGET_RATIO}"
    say("\nPages and lists: best of the runs at each size (other work on the machine only adds "
        "to a time); 'q' = queries of one request")
    say(header)
    say("-" * len(header))
    missed = []
    for name in first:
        cells = " ".join(f"{rows[name]['ms']:>12.1f} {rows[name]['queries']:>3}"
                         for _size, rows in results)
        ratio = last[name]["ms"] / first[name]["ms"] if first[name]["ms"] else 0.0
        same = last[name]["queries"] == first[name]["queries"]
        ok = ratio <= TARGET_RATIO and same
        verdict = "ok" if ok else ("SLOWER" if ratio > TARGET_RATIO else "QUERIES GROW")
        if name.endswith("*"):  # bounded by design, outside the target
            verdict = "bounded (OFFSET at most the count limit), not a target"
            ok = True
        line = f"{name:<42} {cells} {ratio:>6.2f}  {verdict}"
        say(line if ok else style.ERROR(line))
        if not ok:
            missed.append(name)
    say("* page numbers end API_PAGE_COUNT_LIMIT rows deep (a 400 beyond, pointing to the "
        "cursor): their deepest page skips that many rows at any size.")
    return missed
