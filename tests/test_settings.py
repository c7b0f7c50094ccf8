"""Production settings refuse insecure starts; the env helpers fail loudly and read secrets
from NAME_FILE."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rehab_portal.settings.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent
PROD = "rehab_portal.settings.prod"
IMPORT_SETTINGS = "import django; django.setup(); from django.conf import settings; " \
                  "print(settings.DEBUG, settings.ALLOWED_HOSTS)"
SETTINGS_VARIABLES = ("SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "ALLOWED_HOSTS_FILE",
                      "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")


def run_with(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    clean.update(DJANGO_SETTINGS_MODULE=PROD, **env)
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True,
        timeout=120, check=False,
    )


def good_secret() -> str:
    return secrets.token_urlsafe(64)


def test_prod_refuses_to_start_without_a_secret_key():
    result = run_with({"ALLOWED_HOSTS": "rehab.example.no"}, "-c", IMPORT_SETTINGS)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is required" in result.stderr


def test_prod_refuses_a_short_secret_key():
    result = run_with({"SECRET_KEY": "too-short", "ALLOWED_HOSTS": "rehab.example.no"},
                      "-c", IMPORT_SETTINGS)
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_prod_refuses_to_start_without_allowed_hosts():
    result = run_with({"SECRET_KEY": good_secret()}, "-c", IMPORT_SETTINGS)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_prod_starts_with_a_secret_key_file_and_allowed_hosts(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(good_secret() + "\n")
    result = run_with({"SECRET_KEY_FILE": str(secret_file), "ALLOWED_HOSTS": "a.example,b.example"},
                      "-c", IMPORT_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['a.example', 'b.example']"


# A production site has its ID-porten client (README: Citizens: signing in with ID-porten).
IDPORTEN = {"IDPORTEN_METADATA_URL": "https://idporten.no/.well-known/openid-configuration",
            "IDPORTEN_CLIENT_ID": "rehab-portal", "IDPORTEN_CLIENT_SECRET": "s3cret"}


def test_prod_passes_check_deploy_with_a_real_secret(tmp_path):
    # A fresh, unmigrated database, as CI's: the demo-credentials check finds nothing there.
    result = run_with({"SECRET_KEY": good_secret(), "ALLOWED_HOSTS": "rehab.example.no",
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}", **IDPORTEN},
                      "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_prod_check_deploy_warns_when_citizens_have_no_way_in(tmp_path):
    result = run_with({"SECRET_KEY": good_secret(), "ALLOWED_HOSTS": "rehab.example.no",
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"},
                      "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "citizen.W001" in result.stdout + result.stderr


def test_prod_check_deploy_does_not_crash_when_the_database_is_down():
    result = run_with({"SECRET_KEY": good_secret(), "ALLOWED_HOSTS": "rehab.example.no",
                       "DATABASE_URL": "postgres://postgres@127.0.0.1:1/rehab_nowhere",
                       **IDPORTEN},
                      "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pathways.I001" in result.stdout + result.stderr  # an Info: it does not fail
    assert "Traceback" not in result.stderr


def test_prod_asks_the_admin_for_a_second_factor():
    result = run_with({"SECRET_KEY": good_secret(), "ALLOWED_HOSTS": "rehab.example.no"},
                      "-c", "import django; django.setup(); from django.conf import settings; "
                            "print(settings.OTP_ADMIN, settings.DEMO_DATA_ALLOWED)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True False"


def test_prod_refuses_demo_data_without_force():
    result = run_with({"SECRET_KEY": good_secret(), "ALLOWED_HOSTS": "rehab.example.no"},
                      "-c", "import django; django.setup(); from django.conf import settings; "
                            "print(settings.DEMO_DATA_ALLOWED)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(("reader", "raw"), [
    (lambda: env_int("REHAB_TEST_VALUE", 5), "five"),
    (lambda: env_int("REHAB_TEST_VALUE", 5), "5.5"),
    (lambda: env_bool("REHAB_TEST_VALUE", False), "maybe"),
])
def test_env_helpers_reject_malformed_values(monkeypatch, reader, raw):
    monkeypatch.setenv("REHAB_TEST_VALUE", raw)
    with pytest.raises(ImproperlyConfigured, match="REHAB_TEST_VALUE"):
        reader()


def test_env_helpers_parse_well_formed_values(monkeypatch):
    monkeypatch.setenv("REHAB_TEST_INT", " 42 ")
    monkeypatch.setenv("REHAB_TEST_BOOL", "Yes")
    monkeypatch.setenv("REHAB_TEST_LIST", "a.example, b.example,,")
    assert env_int("REHAB_TEST_INT", 0) == 42
    assert env_bool("REHAB_TEST_BOOL", False) is True
    assert env_list("REHAB_TEST_LIST", []) == ["a.example", "b.example"]
    assert env_int("REHAB_TEST_UNSET", 7) == 7
    assert env_str("REHAB_TEST_UNSET", "fallback") == "fallback"


def test_env_str_requires_a_variable_without_default(monkeypatch):
    monkeypatch.delenv("REHAB_TEST_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="REHAB_TEST_REQUIRED is required"):
        env_str("REHAB_TEST_REQUIRED")


def test_env_reads_name_file_before_name(monkeypatch, tmp_path):
    secret = tmp_path / "db_url"
    secret.write_text("postgres://from-file/rehab\n", encoding="utf-8")
    monkeypatch.setenv("REHAB_TEST_SECRET", "from-environment")
    monkeypatch.setenv("REHAB_TEST_SECRET_FILE", str(secret))
    assert env_str("REHAB_TEST_SECRET") == "postgres://from-file/rehab"
    (tmp_path / "port").write_text("6380")
    monkeypatch.setenv("REHAB_TEST_PORT_FILE", str(tmp_path / "port"))
    assert env_int("REHAB_TEST_PORT", 6379) == 6380


def test_env_fails_when_name_file_cannot_be_read(monkeypatch, tmp_path):
    monkeypatch.setenv("REHAB_TEST_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="REHAB_TEST_SECRET_FILE"):
        env_str("REHAB_TEST_SECRET", "default")
