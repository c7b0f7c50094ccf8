import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from pathways import services
from pathways.models import Patient
from registry.models import Role
from tests import factories

EXPECTED = {
    "planner": {"shared"},
    "ke_tromso": {"shared", "tromso_only"},
    "coordinator": {"shared"},
    "ke_bodo": {"bodo_only"},
}


@pytest.mark.parametrize("member", sorted(EXPECTED))
def test_it_shows_each_member_of_the_cast_exactly_their_patients(cast, member):
    visible = set(Patient.objects.visible_to(getattr(cast, member)))
    expected = {getattr(cast, name) for name in EXPECTED[member]}
    assert visible == expected


def test_it_denies_anonymous_users_and_organisation_admins(cast):
    admin = factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)
    assert not Patient.objects.visible_to(AnonymousUser()).exists()
    assert not Patient.objects.visible_to(admin).exists()


def test_it_withdraws_access_when_the_relationship_ends(cast):
    relationship = cast.bodo_only.care_relationships.get()
    services.end_care_relationship(relationship, by=cast.ke_bodo)
    assert not Patient.objects.visible_to(cast.ke_bodo).exists()


def test_it_ignores_relationships_that_have_not_started(cast):
    tomorrow = timezone.now() + timezone.timedelta(days=1)
    services.grant_care_relationship(cast.bodo_only, cast.tromso, "referral", by=cast.ke_bodo,
                                     valid_from=tomorrow)
    assert cast.bodo_only not in Patient.objects.visible_to(cast.ke_tromso)


def test_it_denies_inactive_users(cast):
    cast.ke_tromso.is_active = False
    cast.ke_tromso.save()
    assert not Patient.objects.visible_to(cast.ke_tromso).exists()
