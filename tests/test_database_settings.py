"""The web's PostgreSQL connections run without JIT compilation and without parallel workers
(issue 10, item 21): the pages' queries read a few hundred rows through indexes, where
compiling a plan or starting workers costs more than it buys (make bench prints the pages
with each on and off)."""

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
            "jit = cursor.fetchone()[0]; cursor.execute('SHOW max_parallel_workers_per_gather');"
            " print(jit, cursor.fetchone()[0])")


def show_jit(**env) -> subprocess.CompletedProcess:
    """`<jit> <parallel workers per gather>` as a fresh process's connection has them."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DATABASE_JIT", "DATABASE_PARALLEL_WORKERS")}
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


def test_it_turns_jit_and_parallel_workers_off_on_every_postgresql_connection(postgres):
    assert postgres.returncode == 0, postgres.stderr
    assert postgres.stdout.split() == ["off", "0"]


def test_database_jit_turns_it_back_on(postgres):
    result = show_jit(DATABASE_JIT="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["on", "0"]


def test_database_parallel_workers_sets_the_workers_per_query(postgres):
    result = show_jit(DATABASE_PARALLEL_WORKERS="2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["off", "2"]
