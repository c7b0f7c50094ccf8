"""What `make run` builds and starts: the Makefile, the lock, docker-compose.yml, the
Dockerfile, the README's list of settings, and `manage.py run_portal` itself.

No Docker engine runs where the tests run, so the compose file is checked as data.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_lock_pins_every_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[normalise(name)] = version.strip()
    for spec in declared:
        requirement = Requirement(spec)
        version = pins.get(normalise(requirement.name))
        assert version, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(version, prereleases=True), \
            f"constraints.txt pins {requirement.name}=={version} outside {requirement.specifier}"


def test_the_compose_file_has_the_production_topology(compose):
    services = compose["services"]
    assert set(services) >= {"web", "worker", "beat", "postgres", "redis"}
    for name in (*APP_SERVICES, "postgres", "redis"):
        assert "healthcheck" in services[name], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["web"]["command"][:2] == ["gunicorn", "rehab_portal.wsgi"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "rehab_portal.settings.prod", name
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["REDIS_URL"].startswith("redis://redis:"), name
        assert services[name]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully"
    assert set(compose["volumes"]) >= {"pgdata", "redisdata"}
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_the_compose_file_demands_secrets_instead_of_defaulting_them(compose):
    env = compose["services"]["web"]["environment"]
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]


def test_the_image_runs_as_a_non_root_user_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "-c constraints.txt" in dockerfile
    assert "collectstatic" in dockerfile


def test_the_readme_documents_every_environment_variable_the_settings_read():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings_dir = ROOT / "rehab_portal" / "settings"
    names = set()
    for path in settings_dir.glob("*.py"):
        names.update(re.findall(r"env_(?:str|int|bool|list)\(\s*\"([A-Z0-9_]+)\"",
                                path.read_text(encoding="utf-8")))
    assert "SECRET_KEY" in names and "DATABASE_URL" in names
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"README.md does not document {missing}"


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
def test_make_run_migrates_seeds_and_starts_the_supervisor():
    plan = subprocess.run(  # noqa: S603 - make with fixed arguments
        [shutil.which("make"), "--dry-run", "--always-make", "run"], cwd=ROOT, capture_output=True,
        text=True, check=True, timeout=60,
    ).stdout
    steps = ["-m venv", "-c constraints.txt", "compilemessages_py", "migrate --noinput",
             "seed_demo", "run_portal 127.0.0.1:8000"]
    positions = [plan.find(step) for step in steps]
    assert all(p >= 0 for p in positions), plan
    assert positions == sorted(positions), plan


# -- `manage.py run_portal`, what `make run` ends in -----------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_marked_with(marker: str) -> list[int]:
    """Pids of live processes whose environment contains marker (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.fixture
def portal(tmp_path):
    """`manage.py run_portal` with nothing configured: SQLite file and filesystem broker."""
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs Linux /proc to find leftover processes")
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(REHAB_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="rehab_portal.settings.dev",
               PYTHONUNBUFFERED="1")
    for step in (["migrate", "-v0"], ["seed_demo"]):  # as `make run` does
        subprocess.run([sys.executable, "manage.py", *step],  # noqa: S603
                       cwd=ROOT, env=env, check=True, timeout=120, capture_output=True)
    port = free_port()
    log_path = tmp_path / "portal.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own command line
            # with runserver's reloader, as `make run`: its server process must go too
            [sys.executable, "manage.py", "run_portal", f"127.0.0.1:{port}", "--concurrency=1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    portal = SimpleNamespace(proc=proc, port=port, marker=str(var), log=log_path)
    try:
        yield portal
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in processes_marked_with(str(var)):
            os.kill(pid, signal.SIGKILL)


def wait_until_healthy(portal, timeout=60) -> dict:
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        assert portal.proc.poll() is None, portal.log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{portal.port}/healthz",  # noqa: S310
                                        timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            body = exc.read()
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"/healthz never turned green: {body!r}\n{portal.log.read_text()}")


def child_pid(portal, name: str) -> int:
    match = re.search(rf"started {name} \(pid (\d+)\)", portal.log.read_text())
    assert match, portal.log.read_text()
    return int(match.group(1))


def test_run_portal_serves_until_sigterm_and_leaves_no_process_behind(portal):
    body = wait_until_healthy(portal)
    assert body["checks"]["broker"]["transport"] == "filesystem"
    assert body["checks"]["database"]["vendor"] == "sqlite"
    assert body["checks"]["worker"]["status"] == "ok"
    output = portal.log.read_text()
    assert f"http://127.0.0.1:{portal.port}/api/docs/" in output
    assert "planlegger.unn-demo" in output  # the demo users and passwords are printed

    portal.proc.send_signal(signal.SIGTERM)

    assert portal.proc.wait(timeout=40) == 0, portal.log.read_text()
    assert "all processes stopped" in portal.log.read_text()
    assert processes_marked_with(portal.marker) == []


def test_run_portal_stops_everything_and_fails_when_a_child_dies(portal):
    wait_until_healthy(portal)
    os.kill(child_pid(portal, "beat"), signal.SIGKILL)

    assert portal.proc.wait(timeout=40) == 128 + signal.SIGKILL, portal.log.read_text()
    assert "beat exited with code -9: stopping the others" in portal.log.read_text()
    assert processes_marked_with(portal.marker) == []
