"""The API part of `make bench`: throughput of a 100-item list against a trivial endpoint on
the same server, and the queries per list at growing page sizes.

Both endpoints are served by gunicorn as production runs it (the production settings, a sync
worker, database connections kept open as docker-compose.yml keeps them, behind a TLS proxy
that says so in X-Forwarded-Proto) and asked by one client over TCP, so the ratio compares the
work of the list (authentication, scoping, serialisation, the audit of 100 reads) with the
fixed cost of a request. The same is then measured on Django's threaded development server in
this process, which opens a new database connection for every request: the worst case, for
comparison. The query counts use the test client, which sees every query.
"""

import datetime
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

PATIENTS = 150
REQUESTS = 100
PAGE_SIZES = (10, 50, 100)
TARGET_RATIO = 0.3  # issue 10, item 22: the 100-item list against a trivial endpoint
LISTS = ("patients", "admissions", "early-notifications", "discharge-meetings",
         "plan-requests", "individual-plans", "organizations", "services")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def bench_patients(by, hospital, municipality, *, count: int, given_name: str,
                   first_birth_year: int, first_serial: int):
    """`count` new patients registered by `by` at the hospital, resident in the municipality,
    with synthetic identity numbers (skipping any a patient already holds), one at a time."""
    from pathways.identity import make_synthetic_identity_number
    from pathways.models import Patient
    from pathways.services import register_patient

    serial, made = first_serial, 0
    while made < count:
        birth = datetime.date(first_birth_year + made % 40, 1 + made % 12, 1 + made % 28)
        number = make_synthetic_identity_number(birth, serial)
        serial += 1
        if number is None or Patient.objects.filter(identity_number=number).exists():
            continue
        yield register_patient(by=by, organization=hospital, identity_number=number,
                               given_name=f"{given_name}{made}", family_name="Bench",
                               birth_date=birth, municipality=municipality)
        made += 1


def api_world(hospital_id: int, planner_id: int, municipality_id: int) -> tuple[str, int]:
    """A hospital EPJ client with every scope, and PATIENTS admitted patients it sees."""
    from pathways.services import admit_patient, send_early_notification
    from registry.models import ApiScope, Organization, User, Ward
    from registry.services import create_api_client

    hospital = Organization.objects.get(pk=hospital_id)
    municipality = Organization.objects.get(pk=municipality_id)
    planner = User.objects.get(pk=planner_id)
    _client, key = create_api_client(hospital, "Bench EPJ", scopes=ApiScope.values)
    start = timezone.now() - datetime.timedelta(hours=2)
    ward = Ward.objects.filter(hospital=hospital).first()
    for patient in bench_patients(planner, hospital, municipality, count=PATIENTS,
                                  given_name="Api", first_birth_year=1940, first_serial=400):
        admission = admit_patient(by=planner, patient=patient, hospital=hospital,
                                  ward=ward, admitted_at=start)
        send_early_notification(admission, by=planner)
    return key, PATIENTS


def _rates(key: str, *urls: str) -> list[dict]:
    """REQUESTS requests of each URL, taken in turns (a, b, a, b ...), so that whatever else
    the machine does falls on both alike and their ratio stays fair."""
    requests = [urllib.request.Request(  # noqa: S310 - the bench's own http://127.0.0.1 server
        url, headers={"Authorization": f"Bearer {key}", "X-Forwarded-Proto": "https"})
        for url in urls]
    timings = [[] for _ in urls]
    for _ in range(REQUESTS):
        for request, taken in zip(requests, timings, strict=True):
            started = time.perf_counter()
            with urllib.request.urlopen(request) as response:  # noqa: S310 - as above
                response.read()
            taken.append(time.perf_counter() - started)
    return [{"median_ms": statistics.median(taken) * 1000,
             "per_second": len(taken) / sum(taken)} for taken in timings]


def _ratio(key: str, base: str) -> dict:
    urls = (f"{base}/api/v1/", f"{base}/api/v1/admissions/?page_size=100")
    _rates(key, *urls)  # warm up both paths
    trivial, listed = _rates(key, *urls)
    return {"trivial": trivial, "list": listed,
            "ratio": listed["per_second"] / trivial["per_second"]}


def _database_url() -> str:
    """The bench's database as DATABASE_URL, for the server process."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (f"postgres://{user}{password}@{settings.get('HOST') or '127.0.0.1'}:"
            f"{settings.get('PORT') or 5432}/{settings['NAME']}")


@contextmanager
def gunicorn_server(conn_max_age: int):
    """gunicorn with the production settings on a free port, until the block ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]  # the repository
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rehab_portal.settings.prod",
           "DATABASE_URL": _database_url(), "DATABASE_CONN_MAX_AGE": str(conn_max_age),
           "SECRET_KEY": secrets.token_urlsafe(48), "ALLOWED_HOSTS": "127.0.0.1",
           # The bench measures the list, not the rate limit.
           "RATE_LIMIT_API_CLIENT": "1000000/min", "RATE_LIMIT_API_ANONYMOUS": "1000000/min"}
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "rehab_portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--access-logfile", "/dev/null", "--error-logfile", "-",
         "--log-level", "warning"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if server.poll() is not None:
                raise RuntimeError("gunicorn stopped: " + server.stderr.read().decode()[-2000:])
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=10):  # noqa: S310
                    break
            except urllib.error.HTTPError:
                break  # it answers (a 503 says Redis is away: the lists do not need it)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not answer within 30 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure_throughput(key: str) -> dict:
    """The ratio under gunicorn with database connections kept open (docker-compose.yml
    keeps them 60 s: the target), with a new connection for each request (the settings'
    default, DATABASE_CONN_MAX_AGE=0), and on the threaded development server in this
    process (a new connection per request too, as the earlier benches measured)."""
    result = {}
    for name, conn_max_age in (("kept", 60), ("per_request", 0)):
        with gunicorn_server(conn_max_age) as base:
            result[name] = _ratio(key, base)
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    unlimited = {name: "1000000/min" for name in settings.RATE_LIMITS}
    try:
        with override_settings(RATE_LIMITS=unlimited):  # the list, not the rate limit
            result["threaded"] = _ratio(key, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    return {**result["kept"], **result}


def query_counts(key: str) -> dict[str, list[tuple[int, int, int]]]:
    """Per list and page size: (queries, of which reads, rows returned). SQLite splits one
    bulk INSERT of the page's audit events above 999 parameters (about 75 events), so there
    the writes may step up once; the reads must not grow anywhere."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    counts = {}
    for name in LISTS:
        counts[name] = []
        for size in PAGE_SIZES:
            connection.queries_log.clear()  # the log keeps 9000: the load filled it
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/api/v1/{name}/", {"page_size": size})
            if not len(queries):
                raise RuntimeError("the query log saw nothing: the counts would be void")
            if response.status_code != 200:
                raise RuntimeError(f"GET /api/v1/{name}/ answered {response.status_code}")
            reads = sum(1 for q in queries if q["sql"].lstrip().upper().startswith("SELECT"))
            counts[name].append((len(queries), reads, len(response.json()["results"])))
    return counts


# Where a 100-item list spends its time: cumulative time of the parts of a request, found by
# (file ending, function name); the outermost call of each counts (cProfile's cumulative).
PROFILE_PARTS = (
    ("authentication (API key, with the connection)", "registry/api/authentication.py",
     "authenticate"),
    ("scope and columns (get_queryset)", "pathways/api/base.py", "get_queryset"),
    ("bounded count (BoundedPaginator.count)", "common/api/pagination.py", "count"),
    ("page and count (paginate_queryset)", "common/api/pagination.py", "paginate_queryset"),
    ("related values read apart (LeanList.complete)", "common/api/lean.py", "complete"),
    ("writing the rows (LeanList.represent)", "common/api/lean.py", "represent"),
    ("audit of the page (audit_reads)", "pathways/access.py", "audit_reads"),
    ("  of which its INSERT (audit._insert)", "registry/audit.py", "_insert"),
    ("SQL: execute and fetch (CursorWrapper)", "django/db/backends/utils.py", "_execute"),
    ("JSON rendering", "rest_framework/renderers.py", "render"),
)


def profile_list(key: str, requests: int = 20) -> dict:
    """cProfile over `requests` GETs of the 100-item admissions list (test client, in this
    process): total per request and the share of each part in PROFILE_PARTS. Each request
    opens its own database connection, as each request of the threaded server does (and of
    gunicorn without DATABASE_CONN_MAX_AGE): a new PostgreSQL backend plans with cold caches."""
    import cProfile
    import pstats

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    url = "/api/v1/admissions/"
    client.get(url, {"page_size": 100})
    profiler = cProfile.Profile()
    for _ in range(requests):
        connection.close()
        profiler.enable()
        client.get(url, {"page_size": 100})
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in stats.stats.values())
    parts = []
    for label, ending, name in PROFILE_PARTS:
        cumulative = max((ct for (path, _line, function), (_cc, _nc, _tt, ct, _callers)
                          in stats.stats.items()
                          if path.replace("\\", "/").endswith(ending) and function == name),
                         default=0.0)
        parts.append((label, cumulative / requests * 1000, cumulative / total if total else 0))
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:8]
    heaviest = [(f"{path.split('site-packages/')[-1].split('/work/main/')[-1]}:{line} "
                 f"{function}", tt / requests * 1000)
                for (path, line, function), (_cc, _nc, tt, _ct, _callers) in top]
    return {"per_request_ms": total / requests * 1000, "parts": parts, "heaviest": heaviest,
            "requests": requests}
