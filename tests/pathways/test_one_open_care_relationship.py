"""One open-ended care relationship of a kind per organisation (or person) and patient: two
steps granting it at the same moment (an admission and a plan request, two acceptances)
leave one row, held by the database, not by a check before the insert."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from pathways.models import CareRelationship, CareRelationshipReason
from pathways.services.patients import grant_care_relationship
from registry.models import AuditEvent
from tests.coordination.test_one_open import hold_first_save, require_postgresql


def open_relationships(patient, organization, reason):
    return CareRelationship.objects.filter(patient=patient, organization=organization,
                                           reason=reason, valid_to__isnull=True)


def test_it_grants_the_one_open_relationship_once(cast):
    audited = AuditEvent.objects.filter(object_type="care_relationship").count()
    first = grant_care_relationship(cast.bodo_only, cast.tromso,
                                    CareRelationshipReason.REFERRAL, by=cast.ke_tromso)
    second = grant_care_relationship(cast.bodo_only, cast.tromso,
                                     CareRelationshipReason.REFERRAL, by=cast.ke_tromso)
    assert second.pk == first.pk
    assert open_relationships(cast.bodo_only, cast.tromso,
                              CareRelationshipReason.REFERRAL).count() == 1
    assert AuditEvent.objects.filter(object_type="care_relationship").count() == audited + 1


def test_the_database_refuses_a_second_open_relationship(cast):
    fields = {"patient": cast.bodo_only, "organization": cast.tromso,
              "reason": CareRelationshipReason.REFERRAL}
    CareRelationship.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        CareRelationship.objects.create(**fields)
    # A personal one beside it is another relationship, and so is one that has ended.
    CareRelationship.objects.create(**fields, user=cast.coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():
        CareRelationship.objects.create(**fields, user=cast.coordinator)


@pytest.mark.django_db(transaction=True)
def test_two_grants_at_the_same_moment_leave_one_row(cast, monkeypatch):
    require_postgresql()
    hold_first_save(monkeypatch, CareRelationship)
    granted, errors = [], []

    def grant():
        try:
            with transaction.atomic():
                granted.append(grant_care_relationship(
                    cast.bodo_only, cast.tromso, CareRelationshipReason.REFERRAL,
                    by=cast.ke_tromso).pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=grant) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(granted) == 2 and granted[0] == granted[1]
    assert open_relationships(cast.bodo_only, cast.tromso,
                              CareRelationshipReason.REFERRAL).count() == 1
