import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from common.exceptions import StaleVersion
from pathways import services
from pathways.models import CareRelationship, Patient
from registry.models import AuditEvent, Role
from tests import factories


def test_it_grants_the_registering_organisation_a_care_relationship(cast):
    relationship = CareRelationship.objects.get(patient=cast.bodo_only)
    assert relationship.organization == cast.bodo
    assert relationship.reason == "registration"


def test_it_refuses_registration_by_roles_without_patient_scope(cast):
    admin = factories.user("orgadmin", cast.tromso, Role.ORG_ADMIN)
    for user in (cast.coordinator, admin):
        with pytest.raises(PermissionDenied):
            factories.patient(user, municipality=cast.tromso)
    assert Patient.objects.count() == 3


def test_it_writes_nothing_when_the_birth_date_contradicts_the_number(cast):
    before = (Patient.objects.count(), AuditEvent.objects.count(),
              CareRelationship.objects.count())
    with pytest.raises(ValidationError) as exc_info:
        services.register_patient(
            by=cast.ke_tromso, identity_number=factories.identity_number(),
            given_name="Ola", family_name="Feil", birth_date=datetime.date(1999, 1, 1),
            municipality=cast.tromso, next_of_kin=[{"name": "Kari", "relation": "datter"}],
        )
    assert "birth_date" in exc_info.value.message_dict
    after = (Patient.objects.count(), AuditEvent.objects.count(),
             CareRelationship.objects.count())
    assert after == before


def test_it_refuses_a_duplicate_identity_number(cast):
    with pytest.raises(ValidationError) as exc_info:
        services.register_patient(
            by=cast.ke_bodo, identity_number=cast.shared.identity_number, given_name="X",
            family_name="Y", birth_date=cast.shared.birth_date, municipality=cast.bodo,
        )
    assert "identity_number" in exc_info.value.message_dict


def test_it_applies_an_edit_and_bumps_the_version(cast):
    updated = services.update_patient(cast.shared, by=cast.ke_tromso, expected_version=1,
                                      phone="+47 400 00 000")
    assert updated.version == 2
    assert Patient.objects.get(pk=cast.shared.pk).phone == "+47 400 00 000"


def test_it_refuses_a_stale_edit_and_says_what_changed(cast):
    first_copy = Patient.objects.get(pk=cast.shared.pk)
    second_copy = Patient.objects.get(pk=cast.shared.pk)
    services.update_patient(first_copy, by=cast.ke_tromso, expected_version=1,
                            phone="+47 400 00 001")
    with pytest.raises(StaleVersion) as exc_info:
        services.update_patient(second_copy, by=cast.planner, expected_version=1,
                                phone="+47 400 00 002")
    assert exc_info.value.changed_fields == ["phone"]
    assert exc_info.value.current_version == 2
    assert Patient.objects.get(pk=cast.shared.pk).phone == "+47 400 00 001"


def test_it_refuses_an_edit_outside_the_editors_scope(cast):
    with pytest.raises(Patient.DoesNotExist):
        services.update_patient(cast.bodo_only, by=cast.ke_tromso, expected_version=1,
                                phone="1")


def test_it_requires_a_language_when_an_interpreter_is_needed(cast):
    with pytest.raises(ValidationError) as exc_info:
        services.update_patient(cast.shared, by=cast.ke_tromso, expected_version=1,
                                needs_interpreter=True)
    assert "interpreter_language" in exc_info.value.message_dict
    assert Patient.objects.get(pk=cast.shared.pk).version == 1
