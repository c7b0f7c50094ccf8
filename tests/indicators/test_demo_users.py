"""The demo's regional planner (indicators/demo_users.py): seeded with the published demo
password at Helse Nord RHF, listed in seed_demo's summary, sees the indicators and no patient."""

from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from pathways.models import Patient
from registry.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_it_seeds_a_regional_planner_at_the_regional_health_authority(client):
    printed = seed()
    seed()  # idempotent: a second run changes nothing
    memberships = Membership.objects.filter(user__username="regional")
    assert [(m.role, m.organization.name) for m in memberships] == [
        (Role.REGIONAL_PLANNER, "Helse Nord RHF")]
    assert "regional" in printed
    response = client.post("/accounts/login/", {"username": "regional",
                                                "password": "regional-demo"})
    assert response.status_code == 302
    assert not Patient.objects.visible_to(User.objects.get(username="regional")).exists()
    assert client.get("/indicators/").status_code == 200


def test_the_summary_lists_the_regional_planner_with_its_password():
    seed()
    summary = seed(summary=True)
    line = next(line for line in summary.splitlines() if line.strip().startswith("regional "))
    assert "regional-demo" in line and "regional_planner @ Helse Nord RHF" in line


def test_check_deploy_finds_the_regional_planners_published_password(settings):
    seed()
    settings.DEMO_DATA_ALLOWED = False
    warning = next(m for m in run_checks(include_deployment_checks=True)
                   if m.id == "pathways.W002")
    assert "regional" in warning.msg.split(": ", 1)[1].rstrip(".").split(", ")


def test_every_indicator_screen_opens_on_the_demo_for_its_readers(client, settings):
    settings.INDICATORS_DEMO_HISTORY_MONTHS = 3
    seed()
    from indicators.models import Indicator

    codes = list(Indicator.objects.filter(published=True).values_list("code", flat=True))
    assert codes
    for username in ("ke.tromso", "planlegger.unn", "regional"):
        client.force_login(User.objects.get(username=username))
        for path in ["/indicators/", "/indicators/capacity/",
                     "/indicators/capacity/?year=2024&open=all&download=xlsx",
                     *(f"/indicators/{code}/" for code in codes)]:
            assert client.get(path).status_code == 200, (username, path)
