"""Who reads which indicators: one function, scope_for(user), that every screen, export, API
and FHIR read starts from.

Indicators are aggregates, and small counts are suppressed for everybody except where the
reader already sees the patients behind them (their own municipality). Any signed-in
reader with a scope may compare any area, suppressed; the scope's home areas are what
their dashboard and the API show by default. Patients are never reached from here: a
drill-down goes to the existing lists, which check visible_to themselves.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from registry.access import memberships
from registry.capabilities import Capability, role_can
from registry.models import OrganizationKind

from .areas import HEALTH_TRUST, HOSPITAL, MUNICIPALITY, Area, Areas, areas, current_numbers

KIND_MUNICIPALITY, KIND_HOSPITAL, KIND_REGIONAL = "municipality", "hospital", "regional"


@dataclass(frozen=True)
class Scope:
    """What a reader sees: `home_areas` first (their own, then wider), the municipality
    numbers whose small counts they may see unsuppressed (`exempt_numbers`), and whether
    they may follow a figure to patients (through the lists that check visible_to)."""

    kind: str
    home_areas: tuple[Area, ...]
    exempt_numbers: frozenset[str] = frozenset()
    may_drill_down: bool = False
    areas: Areas | None = field(default=None, compare=False, repr=False)

    @property
    def region(self) -> Area | None:
        return next((a for a in self.home_areas if a.kind == "region"), None)

    def may_see(self, area: Area) -> bool:
        """Every area's aggregates are readable, suppressed (DOMAIN.md, Statistics)."""
        return area is not None

    def is_exempt(self, area: Area) -> bool:
        return (area.kind == MUNICIPALITY and bool(area.municipality_numbers)
                and set(area.municipality_numbers) <= self.exempt_numbers)


def scope_for(user, *, within: Areas | None = None) -> Scope:
    """The reader's scope, or PermissionDenied: KE staff (and a municipality's EPJ system)
    read their municipality and its region, exempt from suppression in their own; a
    discharge planner (and a hospital's EPJ system, a health trust's KE) their hospital,
    its health trust and the region, exempt nowhere; a regional planner every area,
    exempt nowhere and never a patient. `within`: areas already read (saves 2-3 queries)."""
    regional, municipal, hospital_side = [], [], []
    for membership in memberships(user):
        organization = membership.organization
        if role_can(membership.role, Capability.SEE_ALL_AGGREGATES):
            regional.append(organization)
        elif role_can(membership.role, Capability.SEE_ORGANIZATION_PATIENTS):
            if organization.kind == OrganizationKind.MUNICIPALITY:
                municipal.append(organization)
            elif organization.kind in (OrganizationKind.HOSPITAL, OrganizationKind.HEALTH_TRUST):
                hospital_side.append(organization)
    if not (regional or municipal or hospital_side):
        raise PermissionDenied(_(
            "Indicators are for coordinating units, discharge planners and regional "
            "planners."))
    universe = within if within is not None else areas()
    home: list[Area] = []

    def add(area):
        if area is not None and area not in home:
            home.append(area)

    exempt = set()
    for organization in municipal:
        own = _municipality_by_number(universe, organization.municipality_number)
        if own is not None:
            add(own)
            exempt.update(own.municipality_numbers)
    for organization in hospital_side:
        kind = HOSPITAL if organization.kind == OrganizationKind.HOSPITAL else HEALTH_TRUST
        add(universe.get(kind, str(organization.uuid)))
    for organization in hospital_side:
        if organization.kind == OrganizationKind.HOSPITAL:
            own = universe.get(HOSPITAL, str(organization.uuid))
            add(universe.parent_of(own) if own is not None else None)
    for organization in regional:
        if organization.kind == OrganizationKind.HEALTH_TRUST:
            add(universe.get(HEALTH_TRUST, str(organization.uuid)))
    for organization in regional:
        for trust in universe.health_trusts:
            if trust.parent_key == organization.region:
                add(trust)
    for organization in (*municipal, *hospital_side, *regional):
        add(universe.get("region", organization.region))

    if regional:
        kind = KIND_REGIONAL
    elif municipal:
        kind = KIND_MUNICIPALITY
    else:
        kind = KIND_HOSPITAL
    return Scope(kind=kind, home_areas=tuple(home), exempt_numbers=frozenset(exempt),
                 may_drill_down=bool(municipal or hospital_side), areas=universe)


def _municipality_by_number(universe: Areas, number: str) -> Area | None:
    found = universe.get(MUNICIPALITY, number)
    if found is not None:
        return found
    # Registered under a number that has since changed: the area of its current number.
    return universe.get(MUNICIPALITY, current_numbers().get(number, number))
