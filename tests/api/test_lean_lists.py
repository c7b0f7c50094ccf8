"""Lists written from plain rows (common.api.lean) answer exactly what their serializer
writes from model instances: every field, in the same order, nulls, dates and URLs alike."""

import datetime
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from common.api.lean import LeanList
from pathways import services
from pathways.api.serializers_admissions import AdmissionSerializer
from pathways.api.serializers_notices import EarlyNotificationSerializer
from pathways.models import Admission, EarlyNotification
from registry.models import ServiceLevel
from tests import factories
from tests.factories import admit

from .test_admissions import other_hospital


def as_serializer_writes(serializer_class, instances, response) -> list:
    """The serializer's page for these instances, rendered as the API renders it, in the
    context of the request that asked for the list (its host makes the URLs)."""
    data = serializer_class(instances, many=True, context={"request": response.wsgi_request}).data
    return json.loads(JSONRenderer().render(data))


def every_admission_shape(cast) -> None:
    """Admissions in every state a list row can show, with each nullable field both null
    and filled in."""
    level = ServiceLevel.objects.get(code="3")
    ago = lambda **kw: timezone.now() - datetime.timedelta(**kw)  # noqa: E731
    # Admitted months ago (another UTC offset), nothing filled in but what must be.
    winter = factories.patient(cast.planner, "Øystein", "Ærø-Ås", municipality=cast.tromso,
                               birth_date=datetime.date(1933, 2, 3))
    admit(cast, patient=winter, hours_ago=24 * 190)
    # Everything the ward may fill in, a notice sent, declared ready for discharge.
    busy = factories.patient(cast.planner, "Bodil", "Berg", municipality=cast.tromso,
                             birth_date=datetime.date(1944, 5, 6))
    stay = admit(cast, patient=busy, hours_ago=50, reason="Hjerneslag, høyresidig parese",
                 receives_municipal_services=True,
                 estimated_discharge_date=timezone.localdate() + datetime.timedelta(days=4),
                 needs_interdisciplinary_follow_up=True, is_rehabilitation_stay=True)
    services.send_early_notification(stay, by=cast.planner)
    services.declare_ready_for_discharge(stay, by=cast.planner, physician="Dr. Lege")
    # Discharged to municipal rehabilitation at a pyramid level, then readmitted.
    first = admit(cast, hours_ago=300)
    first = services.discharge_patient(first, by=cast.planner,
                                       destination="municipal_rehabilitation",
                                       discharge_level=level, discharged_at=ago(hours=200),
                                       interdisciplinary_report_ready=True,
                                       epicrisis_ready=True)
    admit(cast, hours_ago=100, readmission_of=first)
    # Transferred to another hospital: the closed stay and the new one.
    moved = factories.patient(cast.planner, "Mons", "Myre", municipality=cast.tromso,
                              birth_date=datetime.date(1950, 7, 8))
    nlsh, _planner = other_hospital(cast)
    services.transfer_patient(admit(cast, patient=moved, hours_ago=20), by=cast.planner,
                              to_hospital=nlsh, ward=factories.ward(nlsh, "Medisin"),
                              at=ago(hours=2))
    # Died in hospital.
    gone = factories.patient(cast.planner, "Dag", "Dahl", municipality=cast.tromso,
                             birth_date=datetime.date(1929, 9, 10))
    services.record_death(admit(cast, patient=gone, hours_ago=40), by=cast.planner,
                          died_at=ago(hours=1))


def test_the_admission_list_writes_each_row_as_the_serializer_does(cast, api):
    every_admission_shape(cast)
    response = api(cast.ke_tromso).get("/api/v1/admissions/", {"page_size": 50})
    listed = response.json()["results"]
    assert len(listed) == Admission.objects.count() == 7
    admissions = Admission.objects.select_related(
        "patient", "hospital", "municipality", "readmission_of", "transferred_from",
        "discharge_level").order_by("-admitted_at", "-pk")
    expected = as_serializer_writes(AdmissionSerializer, admissions, response)
    # Field for field and in the serializer's order (dicts compare without order).
    assert [list(row.items()) for row in listed] == [list(row.items()) for row in expected]
    # Every shape is there: a null and a value in each nullable field.
    for field in ("readmission_of", "transferred_from", "discharge_level", "discharged_at",
                  "estimated_discharge_date", "first_notification_sent_at"):
        assert {row[field] is None for row in listed} == {True, False}, field
    assert {row["status"] for row in listed} == {
        "admitted", "ready_for_discharge", "discharged", "transferred", "deceased"}


@override_settings(API_SYNC_SETTLE_SECONDS=0)
def test_the_admission_list_writes_the_same_rows_in_sync_mode(cast, epj):
    every_admission_shape(cast)
    response = epj.get("/api/v1/admissions/", {"cursor": "", "page_size": 50})
    body = response.json()
    assert body["has_more"] is False
    admissions = Admission.objects.select_related(
        "patient", "hospital", "municipality", "readmission_of", "transferred_from",
        "discharge_level").order_by("updated_at", "uuid")
    expected = as_serializer_writes(AdmissionSerializer, admissions, response)
    assert [list(row.items()) for row in body["results"]] == [
        list(row.items()) for row in expected]
    # The cursor stands after the last row: nothing more.
    again = epj.get("/api/v1/admissions/", {"cursor": body["next_cursor"]}).json()
    assert again["results"] == []


def every_notice_shape(cast) -> None:
    """Notices with each nullable field null and filled in: a draft, a bare first notice, a
    full one acknowledged by the municipality, a later version that changes it."""
    level = ServiceLevel.objects.get(code="3")
    bare = factories.patient(cast.planner, "Åse", "Ødegård", municipality=cast.tromso,
                             birth_date=datetime.date(1941, 4, 5))
    services.send_early_notification(admit(cast, patient=bare, hours_ago=30), by=cast.planner)
    full = admit(cast, hours_ago=20)
    first = services.send_early_notification(
        full, by=cast.planner, expected_course="Bedring", barthel_index=60, modified_rankin=3,
        proposed_level=level, next_of_kin_informed=False, requests_individual_plan=True,
        estimated_discharge_date=timezone.localdate() + datetime.timedelta(days=3))
    services.acknowledge_early_notification(first, by=cast.ke_tromso)
    services.send_early_notification(full, by=cast.planner, message_status="change",
                                     next_of_kin_informed=True, barthel_index=70)
    drafted = factories.patient(cast.planner, "Dina", "Dahl", municipality=cast.tromso,
                                birth_date=datetime.date(1952, 6, 7))
    services.save_draft(admit(cast, patient=drafted, hours_ago=3), by=cast.planner,
                        expected_course="Utkast")


def test_the_notice_list_writes_each_row_as_the_serializer_does(cast, api):
    every_notice_shape(cast)
    response = api(cast.planner).get("/api/v1/early-notifications/", {"page_size": 50})
    listed = response.json()["results"]
    assert len(listed) == EarlyNotification.objects.count() == 4  # the draft too
    notices = EarlyNotification.objects.select_related(
        "admission__patient", "proposed_level", "sent_by", "acknowledged_by",
    ).order_by("admission_id", "sequence")
    expected = as_serializer_writes(EarlyNotificationSerializer, notices, response)
    assert [list(row.items()) for row in listed] == [list(row.items()) for row in expected]
    for field in ("proposed_level", "sent_at", "sent_by", "acknowledged_at",
                  "acknowledged_by", "barthel_index", "next_of_kin_informed"):
        assert {row[field] is None for row in listed} == {True, False}, field
    assert {row["next_of_kin_informed"] for row in listed} == {None, True, False}


class NameThroughAProperty(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name")

    class Meta:
        model = Admission
        fields = ["uuid", "patient_name"]


class NestedPatient(serializers.ModelSerializer):
    class Meta:
        model = Admission
        fields = ["uuid", "patient"]
        depth = 1


@pytest.mark.parametrize("serializer_class", [NameThroughAProperty, NestedPatient])
def test_a_field_that_is_no_column_is_refused_rather_than_guessed(db, serializer_class):
    with pytest.raises(ImproperlyConfigured, match="computed"):
        LeanList(serializer_class(), Admission.objects.all())


class WardHospital(serializers.ModelSerializer):
    ward_hospital = serializers.CharField(source="ward.hospital.name")

    class Meta:
        model = Admission
        fields = ["uuid", "ward_hospital"]


def test_only_a_column_of_the_row_a_key_names_is_read_apart(db):
    """A related value read after the page is one query per related model by key: a path
    further on (the ward's hospital's name) would need a query per step, and is refused."""
    with pytest.raises(ImproperlyConfigured, match="read apart"):
        LeanList(WardHospital(), Admission.objects.all(), apart=("ward",))
