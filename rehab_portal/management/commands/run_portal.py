"""Run the whole portal locally: web server, Celery worker and Celery beat as child processes.

`make run` ends here. The children run in their own process groups, so one Ctrl-C (SIGINT)
or a SIGTERM reaches this supervisor only, which then stops every child and its descendants
(runserver's reloader, the worker's pool) and waits for them. A child that dies on its own
takes the others down with it, and the command exits non-zero.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STOP_GRACE_SECONDS = 15
_PR_SET_PDEATHSIG = 1


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent():  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM if the supervisor itself is killed with SIGKILL."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Command(BaseCommand):
    help = ("Serve the portal with runserver, a Celery worker and Celery beat; Ctrl-C stops "
            "all of them.")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000",
                            help="Address and port for the web server (default 127.0.0.1:8000).")
        parser.add_argument("--noreload", action="store_true",
                            help="Do not restart the web server when code changes.")
        parser.add_argument("--concurrency", type=int, default=2,
                            help="Worker processes of the Celery worker (default 2).")
        parser.add_argument("--no-banner", action="store_true",
                            help="Do not print URLs, demo users and passwords.")

    def handle(self, *args, addrport, noreload, concurrency, no_banner, **options):
        host, _, port = addrport.rpartition(":")
        host = host or "127.0.0.1"
        if not port.isdigit():
            raise CommandError(f"{addrport!r} is not an address:port")
        os.makedirs(settings.VAR_DIR, exist_ok=True)

        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        web = [python, manage, "runserver", f"{host}:{port}"]
        if noreload:
            web.append("--noreload")
        celery = [python, "-m", "celery", "-A", "rehab_portal"]
        commands = {
            "web": web,
            "worker": [*celery, "worker", "--loglevel=INFO", f"--concurrency={concurrency}",
                       "--without-gossip", "--without-mingle", "--hostname=portal@%h"],
            "beat": [*celery, "beat", "--loglevel=INFO"],
        }
        env = {**os.environ, "PYTHONUNBUFFERED": "1",
               "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                        settings.SETTINGS_MODULE)}

        self._stop_signal = None
        self._force = False
        self._output_lock = threading.Lock()
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        children: dict[str, subprocess.Popen] = {}
        pumps = []
        failure = None
        try:
            # All children are forked before any output thread exists (preexec_fn and threads
            # do not mix).
            for name, command in commands.items():
                children[name] = subprocess.Popen(  # noqa: S603 - our own commands
                    command, cwd=settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_die_with_parent if _prctl is not None else None,
                )
            for name, proc in children.items():
                pump = threading.Thread(target=self._pump, args=(name, proc.stdout), daemon=True)
                pump.start()
                pumps.append(pump)
                self._say(f"started {name} (pid {proc.pid}): {' '.join(commands[name][1:])}")
            self._kick_heartbeat()
            banner_due = not no_banner
            while self._stop_signal is None:
                for name, proc in children.items():
                    if proc.poll() is not None:
                        failure = (name, proc.returncode)
                        break
                if failure:
                    break
                if banner_due and self._port_open(host, int(port)):
                    banner_due = False
                    self._banner(host, port)
                time.sleep(0.2)
        finally:
            if failure:
                self._say(f"{failure[0]} exited with code {failure[1]}: stopping the others")
            elif self._stop_signal is not None:
                self._say(f"received {signal.Signals(self._stop_signal).name}: stopping")
            self._stop(children)
            for pump in pumps:
                pump.join(timeout=2)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failure:
            name, code = failure
            # A child killed by a signal reports -N; the shell convention is 128 + N.
            raise CommandError(f"{name} exited with code {code}",
                               returncode=code if code > 0 else 128 - code if code else 1)
        self._say("all processes stopped")

    # -- supervision ---------------------------------------------------------------------
    def _on_signal(self, signum, frame):
        if self._stop_signal is not None:
            self._force = True  # a second Ctrl-C: no more waiting
        self._stop_signal = signum

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        # Beat first, so it sends nothing to a worker that is going away. The worker stops its
        # own pool (warm shutdown); runserver's reloader would leave its server behind, so the
        # web server's whole group gets the signal.
        for name in ("beat", "web", "worker"):
            proc = children.get(name)
            if proc is None or proc.poll() is not None:
                continue
            if name == "web":
                self._signal_group(proc, signal.SIGTERM)
            else:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in children.values():
            while proc.poll() is None and time.monotonic() < deadline and not self._force:
                time.sleep(0.1)
        for name, proc in children.items():
            if proc.poll() is None:
                self._say(f"{name} did not stop in time: killing it")
            # Also sweeps up descendants (pool processes, the reloaded server) left behind.
            self._signal_group(proc, signal.SIGKILL)
            proc.wait()

    @staticmethod
    def _signal_group(proc: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _kick_heartbeat(self) -> None:
        """Queue one heartbeat now, so /healthz turns green without waiting a beat interval."""
        from common.tasks import record_heartbeat

        try:
            record_heartbeat.apply_async(expires=settings.HEARTBEAT_INTERVAL_SECONDS,
                                         retry=False)
        except Exception as exc:  # noqa: BLE001 - the broker check in /healthz will tell
            self._say(f"could not queue a first heartbeat: {exc.__class__.__name__}: {exc}")

    @staticmethod
    def _port_open(host: str, port: int) -> bool:
        target = "127.0.0.1" if host in ("0.0.0.0", "") else host.strip("[]")  # noqa: S104
        try:
            with socket.create_connection((target, port), timeout=0.2):
                return True
        except OSError:
            return False

    # -- output --------------------------------------------------------------------------
    def _pump(self, name: str, stream) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            with self._output_lock:
                self.stdout.write(f"{name:>6} | {line}")
                self.stdout.flush()
        stream.close()

    def _say(self, message: str) -> None:
        with self._output_lock:
            self.stdout.write(self.style.MIGRATE_HEADING(f"portal | {message}"))
            self.stdout.flush()

    def _banner(self, host: str, port: str) -> None:
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
        base = f"http://{shown}:{port}"
        with self._output_lock:
            write = self.stdout.write
            write("")
            write(self.style.SUCCESS(f"Rehab Portal is running at {base}/"))
            write(f"  API docs (Swagger UI): {base}/api/docs/   OpenAPI schema: {base}/api/schema/")
            write(f"  Health:                {base}/healthz      Admin: {base}/admin/")
            write(f"  The patient's own door: {base}{settings.CITIZEN_URL_PREFIX}sign-in/"
                  + ("   (demo login: pick a demo patient or relative)"
                     if settings.CITIZEN_DEMO_LOGIN else ""))
            write(f"  Broker: {settings.CELERY_BROKER_URL.split('://', 1)[0]}   "
                  f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
            try:
                call_command("seed_demo", summary=True, stdout=self.stdout)
            except Exception as exc:  # noqa: BLE001 - the banner must not stop the portal
                write(f"(no demo users to show: {exc.__class__.__name__}: {exc})")
            write("Press Ctrl-C to stop the web server, the worker and beat.")
            write("")
            self.stdout.flush()
