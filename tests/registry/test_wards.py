"""Departments and wards as registry data: their rules, the memberships that name one, and
the CSV import (manage.py import_wards)."""

import io
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from registry.models import Department, Membership, OrganizationKind, Role, Ward
from tests import factories

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as exc_info:
        instance.full_clean()
    return exc_info.value.message_dict


def test_a_wards_code_is_stored_in_capitals_and_unique_within_its_hospital(cast):
    department = Department.objects.get(hospital=cast.unn)
    ward = Ward(department=department, name="Slag 2", code=" slag ")
    assert errors_of(ward) == {"code": ["En annen avdeling ved dette sykehuset har denne koden."]}
    other = factories.organization(OrganizationKind.HOSPITAL, "UNN Harstad", parent=cast.unn_hf)
    elsewhere = Ward(department=Department.objects.create(hospital=other, name="Nevro"),
                     name="Slag", code="slag")
    elsewhere.full_clean()
    elsewhere.save()
    assert (elsewhere.code, elsewhere.hospital) == ("SLAG", other)  # the department's


def test_a_membership_names_a_ward_of_its_own_organisation_only(cast):
    membership = Membership.objects.get(user=cast.planner, organization=cast.unn)
    other = factories.organization(OrganizationKind.HOSPITAL, "UNN Harstad", parent=cast.unn_hf)
    membership.ward = factories.ward(other, "Medisin")
    assert errors_of(membership) == {"ward": ["Velg en avdeling ved UNN Tromsø."]}
    membership.ward = cast.stroke_unit
    membership.full_clean()


# --- manage.py import_wards --------------------------------------------------------------

HEADER = "hospital,department,ward,code,active\n"


def run(text: str, *args, err=None) -> str:
    """The command on `text` given as standard input; what it printed."""
    out = io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO(text)
    try:
        call_command("import_wards", "-", *args, stdout=out, stderr=err or io.StringIO())
    finally:
        sys.stdin = stdin
    return out.getvalue()


@pytest.fixture
def nlsh(cast):
    trust = factories.organization(OrganizationKind.HEALTH_TRUST, "Nordlandssykehuset HF",
                                   parent=cast.rhf)
    return factories.organization(OrganizationKind.HOSPITAL, "Nordlandssykehuset Bodø",
                                  parent=trust, her_id="80123")


def wards_now() -> set:
    return set(Ward.objects.values_list("hospital__name", "department__name", "name", "code",
                                        "active"))


def test_it_imports_a_file_and_a_second_run_changes_nothing(cast, nlsh):
    text = (HEADER
            + f"{cast.unn.orgnr},Nevrologisk avdeling,Slagenheten,slag,ja\n"
            + f"{cast.unn.orgnr},Ortopedisk avdeling,Ortopedisk sengepost,ORT,\n"
            + "80123,Medisinsk avdeling,Medisinsk sengepost,MED,yes\n"
            + f"{cast.unn.orgnr},Geriatrisk avdeling,Gammel post,GER,nei\n")
    out = run(text)
    # The stroke unit's code was registered already: it is renamed, not duplicated.
    assert "Created 3 ward(s) and 3 department(s); updated 1, 0 unchanged." in out
    assert wards_now() == {
        ("UNN Tromsø", "Nevrologisk avdeling", "Slagenheten", "SLAG", True),
        ("UNN Tromsø", "Ortopedisk avdeling", "Ortopedisk sengepost", "ORT", True),
        ("UNN Tromsø", "Geriatrisk avdeling", "Gammel post", "GER", False),
        ("Nordlandssykehuset Bodø", "Medisinsk avdeling", "Medisinsk sengepost", "MED", True),
    }
    assert Ward.objects.get(code="SLAG") == cast.stroke_unit
    before = list(Ward.objects.order_by("pk").values())
    out = run(text)
    assert "Created 0 ward(s) and 0 department(s); updated 0, 4 unchanged." in out
    assert list(Ward.objects.order_by("pk").values()) == before


def test_a_bad_line_is_named_and_nothing_is_imported(cast, nlsh):
    before = wards_now()
    text = (HEADER
            + f"{cast.unn.orgnr},Ortopedisk avdeling,Ortopedisk sengepost,ORT,ja\n"
            + "999999999,Medisinsk avdeling,Medisinsk sengepost,MED,ja\n"
            + f"{cast.unn.orgnr},Kirurgisk avdeling,,KIR,ja\n"
            + f"{cast.unn.orgnr},Kirurgisk avdeling,Kirurgisk sengepost,ort,kanskje\n")
    with pytest.raises(CommandError, match="3 bad line"):
        run(text)
    assert wards_now() == before
    assert not Department.objects.filter(name="Ortopedisk avdeling").exists()


def test_the_errors_say_which_line_and_what(cast, nlsh):
    text = (HEADER
            + "999999999,Medisinsk avdeling,Medisinsk sengepost,MED,ja\n"
            + f"{cast.unn.orgnr},Kirurgisk avdeling,,KIR,ja\n"
            + f"{cast.unn.orgnr},Ortopedisk avdeling,Ortopedisk sengepost,ORT,ja\n"
            + f"{cast.unn.orgnr},Kirurgisk avdeling,Kirurgisk sengepost,ort,kanskje\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        run(text, err=err)
    assert err.getvalue().splitlines() == [
        "line 2: no hospital with organisation number or HER-id '999999999'",
        "line 3: ward is empty",
        "line 5: active is 'kanskje': give yes or no; the code ORT of UNN Tromsø is on "
        "line 4 too",
    ]


def test_a_file_without_the_columns_is_refused(cast):
    with pytest.raises(CommandError):
        run("sykehus;avdeling;post\n1;2;3\n")
    assert Ward.objects.count() == 1  # the cast's stroke unit


def test_a_dry_run_writes_nothing(cast, nlsh):
    out = run(HEADER + "80123,Medisinsk avdeling,Medisinsk sengepost,MED,ja\n",
                    "--dry-run")
    assert "Would create 1 ward(s)" in out
    assert not Ward.objects.filter(hospital=nlsh).exists()


def test_a_planner_can_be_tied_to_an_imported_ward(cast):
    run(HEADER + f"{cast.unn.orgnr},Ortopedisk avdeling,Ortopedisk sengepost,ORT,ja\n")
    planner = factories.user("ortho", cast.unn, Role.DISCHARGE_PLANNER)
    membership = planner.memberships.get()
    membership.ward = Ward.objects.get(hospital=cast.unn, code="ORT")
    membership.full_clean()
    membership.save()
