"""The web's PostgreSQL connections run without JIT compilation (issue 10, item 21): the
pages' queries read a few hundred rows through indexes, where compiling a plan costs more
than it buys (make bench prints the pages with JIT on and off)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("DATABASE_URL", "")
if not SERVER.startswith(("postgres://", "postgresql://")):
    SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
SHOW_JIT = ("import django; django.setup(); from django.db import connection; "
            "cursor = connection.cursor(); cursor.execute('SHOW jit'); "
            "print(cursor.fetchone()[0])")


def show_jit(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_JIT"}
    clean.update(DJANGO_SETTINGS_MODULE="rehab_portal.settings.dev", DATABASE_URL=SERVER, **env)
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", SHOW_JIT], cwd=ROOT, env=clean, capture_output=True, text=True,
        timeout=60, check=False)


@pytest.fixture(scope="module")
def postgres():
    result = show_jit()
    if result.returncode and "connection" in result.stderr.lower():
        skip_or_fail(f"no PostgreSQL at {SERVER}")
    return result


def test_it_turns_jit_off_on_every_postgresql_connection(postgres):
    assert postgres.returncode == 0, postgres.stderr
    assert postgres.stdout.strip() == "off"


def test_database_jit_turns_it_back_on(postgres):
    result = show_jit(DATABASE_JIT="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "on"
