"""Small builders for tests: real rows through the real services, synthetic identities only."""

import datetime
import itertools

from pathways import services as pathway_services
from pathways.identity import make_synthetic_identity_number
from pathways.models import CareRelationshipReason, Patient
from registry.models import (
    CoordinatingUnit,
    Membership,
    Organization,
    OrganizationKind,
    Region,
    ServiceLevel,
    ServiceOffering,
    TargetGroup,
    User,
)
from registry.validators import synthetic_orgnr

_seq = itertools.count(1000)


def organization(kind=OrganizationKind.MUNICIPALITY, name=None, **fields) -> Organization:
    n = next(_seq)
    defaults = {"name": name or f"Org {n}", "orgnr": synthetic_orgnr(n), "region": Region.NORTH}
    if kind == OrganizationKind.MUNICIPALITY:
        defaults.update(municipality_number=f"{n % 10000:04d}", population=10_000)
    defaults.update(fields)
    org = Organization(kind=kind, **defaults)
    org.full_clean()
    org.save()
    return org


def user(username, organization=None, role=None, password="correct horse battery", **fields):
    u = User.objects.create_user(username=username, password=password, **fields)
    if organization is not None:
        Membership.objects.create(user=u, organization=organization, role=role)
    return u


def identity_number(birth_date=datetime.date(1950, 3, 14), d_number=False) -> str:
    while True:
        number = make_synthetic_identity_number(birth_date, next(_seq), d_number=d_number)
        if number and not Patient.objects.filter(identity_number=number).exists():
            return number


def patient(registered_by, given_name="Kari", family_name="Nordmann", municipality=None,
            birth_date=datetime.date(1950, 3, 14), **fields) -> Patient:
    municipality = municipality or registered_by.memberships.first().organization
    return pathway_services.register_patient(
        by=registered_by, identity_number=identity_number(birth_date), given_name=given_name,
        family_name=family_name, birth_date=birth_date, municipality=municipality, **fields,
    )


def relate(patient, organization, by, reason=CareRelationshipReason.ADMISSION, user=None):
    return pathway_services.grant_care_relationship(patient, organization, reason, by=by, user=user)


def service(provider, level_code="3", name=None, **fields) -> ServiceOffering:
    target_groups = fields.pop("target_groups", [])
    served = fields.pop("municipalities_served", [])
    offering = ServiceOffering.objects.create(
        provider=provider, level=ServiceLevel.objects.get(code=level_code),
        name=name or f"Service {next(_seq)}", **fields,
    )
    offering.target_groups.set(target_groups)
    offering.municipalities_served.set(served)
    return offering


def target_group(code, name=None) -> TargetGroup:
    return TargetGroup.objects.get_or_create(code=code, defaults={"name": name or code})[0]


def coordinating_unit(org, **fields) -> CoordinatingUnit:
    unit = CoordinatingUnit(organization=org, name=f"KE {org.name}",
                            inbox_address=f"ke{org.pk}@example.org", **fields)
    unit.full_clean()
    unit.save()
    return unit
