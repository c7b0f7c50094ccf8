"""The role table (registry.capabilities): what each role may do, asked through one function.
A new role is a row of ROLE_CAPABILITIES and a line of EXPECTED here."""

import pytest
from django.core.exceptions import PermissionDenied

from pathways import access
from registry.capabilities import (
    ROLE_CAPABILITIES,
    Capability,
    can,
    organizations_where,
    roles_with,
)
from registry.models import Membership, OrganizationKind, Role

from .. import factories

C = Capability
EXPECTED = {
    Role.KE_STAFF: {C.SEE_ORGANIZATION_PATIENTS, C.ACT_FOR_MUNICIPALITY,
                    C.WORK_IN_COORDINATING_UNIT, C.REFER, C.ASSESS_REFERRALS},
    Role.DISCHARGE_PLANNER: {C.SEE_ORGANIZATION_PATIENTS, C.ACT_FOR_HOSPITAL, C.WORK_ON_WARD,
                             C.REFER},
    Role.COORDINATOR: {C.COORDINATE},
    Role.ORG_ADMIN: {C.ADMINISTER_ORGANIZATION},
    Role.REGIONAL_PLANNER: {C.SEE_ALL_AGGREGATES},
    Role.API_CLIENT: {C.SEE_ORGANIZATION_PATIENTS, C.ACT_FOR_HOSPITAL,
                      C.ACT_FOR_MUNICIPALITY, C.REFER, C.ASSESS_REFERRALS},
    Role.GP: {C.SEE_ORGANIZATION_PATIENTS, C.REFER},
    Role.REFERRAL_ASSESSOR: {C.SEE_ORGANIZATION_PATIENTS, C.ASSESS_REFERRALS},
    Role.UNIT_LEAD: {C.SEE_ORGANIZATION_PATIENTS, C.ASSESS_REFERRALS, C.LEAD_UNIT},
}


def test_every_role_has_its_row_and_nothing_more():
    assert set(ROLE_CAPABILITIES) == set(Role.values)
    assert {role: set(capabilities) for role, capabilities in ROLE_CAPABILITIES.items()} \
        == EXPECTED


def test_an_epj_system_reads_no_screen_and_gets_no_reminder():
    assert Role.API_CLIENT not in roles_with(C.WORK_ON_WARD)
    assert Role.API_CLIENT not in roles_with(C.WORK_IN_COORDINATING_UNIT)


def test_a_role_counts_only_in_its_own_organisation(cast):
    assert can(cast.planner, C.ACT_FOR_HOSPITAL, cast.unn)
    assert not can(cast.planner, C.ACT_FOR_MUNICIPALITY, cast.unn)
    assert not can(cast.ke_bodo, C.ACT_FOR_MUNICIPALITY, cast.tromso)
    assert can(cast.ke_tromso, C.ACT_FOR_MUNICIPALITY, cast.tromso)
    assert [o.pk for o in organizations_where(cast.ke_tromso, C.SEE_ORGANIZATION_PATIENTS)] \
        == [cast.tromso.pk]
    assert organizations_where(cast.coordinator, C.SEE_ORGANIZATION_PATIENTS) == []


def test_the_hospital_one_admits_for_is_asked_of_the_table(cast):
    assert access.acting_hospital(cast.planner) == cast.unn
    with pytest.raises(PermissionDenied):
        access.acting_hospital(cast.ke_tromso)
    second = factories.organization(OrganizationKind.HOSPITAL, "UNN Harstad", parent=cast.unn_hf)
    Membership.objects.create(user=cast.planner, organization=second,
                              role=Role.DISCHARGE_PLANNER)
    cast.planner.__dict__.pop("_memberships", None)  # a new request reads them again
    assert access.acting_hospital(cast.planner) is None  # several: the caller asks which
