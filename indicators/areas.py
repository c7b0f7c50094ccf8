"""The areas figures are summed over: municipalities, health-trust areas, regions, hospitals.

A municipality is its current kommunenummer; a health trust's area is the municipalities
with a cooperation agreement with it (the lowest agreement's trust where a municipality
has several); a region is the municipalities of Organization.region; a hospital sums the
figures it answers for, whichever municipality the patient lives in. Areas are read with
at most three queries (the organisations, the agreements, and the number history, which
is cached reference data).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from registry.models import CooperationAgreement, Organization, OrganizationKind, Region

from .population import number_map

MUNICIPALITY, HEALTH_TRUST, REGION, HOSPITAL = "municipality", "health_trust", "region", "hospital"
KINDS = (MUNICIPALITY, HEALTH_TRUST, REGION, HOSPITAL)


@dataclass(frozen=True)
class Area:
    """Where a figure is summed: `key` is the kommunenummer, the organisation's UUID (a
    health trust, a hospital) or the region's code; `parent_key` is the area above it (a
    municipality's health trust, else its region; a trust's or a hospital's region or trust;
    none for a region)."""

    kind: str
    key: str
    name: str
    municipality_numbers: tuple[str, ...]
    hospital_id: int | None = None
    parent_key: str | None = None
    # The organisation number of a health trust or a hospital (FHIR names it by that).
    orgnr: str = field(default="", compare=False)

    @property
    def ref(self) -> str:
        """"kind:key", as the API's `area` parameter and the screens' links write it."""
        return f"{self.kind}:{self.key}"

    def __str__(self):
        return self.name


class Areas:
    """Every area of one region (or of all regions), by kind and key."""

    def __init__(self, municipalities: list[Area], health_trusts: list[Area],
                 regions: list[Area], hospitals: list[Area]):
        self.municipalities = municipalities
        self.health_trusts = health_trusts
        self.regions = regions
        self.hospitals = hospitals
        self._by_key = {(area.kind, area.key): area for area in self.all()}
        self._trust_of: dict[str, Area] = {}
        for trust in health_trusts:
            for number in trust.municipality_numbers:
                self._trust_of[number] = trust
        self._region_of: dict[str, Area] = {}
        for region in regions:
            for number in region.municipality_numbers:
                self._region_of[number] = region

    def all(self) -> list[Area]:
        return [*self.regions, *self.health_trusts, *self.municipalities, *self.hospitals]

    def of_kind(self, kind: str) -> list[Area]:
        return {MUNICIPALITY: self.municipalities, HEALTH_TRUST: self.health_trusts,
                REGION: self.regions, HOSPITAL: self.hospitals}[kind]

    def get(self, kind: str, key: str) -> Area | None:
        return self._by_key.get((kind, key))

    def parse(self, ref: str) -> Area:
        """The area a "kind:key" names (municipality:5501, health_trust:<uuid>,
        region:helse_nord, hospital:<uuid>); ValueError saying what is wrong otherwise."""
        from django.utils.translation import gettext as _

        kind, colon, key = (ref or "").strip().partition(":")
        if not colon or kind not in KINDS or not key:
            raise ValueError(_(
                "%(value)s is not an area: write kind:key, e.g. municipality:5501, "
                "health_trust:<uuid>, region:helse_nord or hospital:<uuid>.") % {
                "value": repr(ref)})
        area = self.get(kind, key.lower() if kind != REGION else key)
        if area is None:
            raise ValueError(_("There is no area %(value)s.") % {"value": repr(ref)})
        return area

    def region_of(self, number: str) -> Area | None:
        return self._region_of.get(number)

    def trust_of(self, number: str) -> Area | None:
        return self._trust_of.get(number)

    def parent_of(self, area: Area) -> Area | None:
        if area.parent_key is None:
            return None
        for kind in (HEALTH_TRUST, REGION):
            found = self.get(kind, area.parent_key)
            if found is not None:
                return found
        return None

    def siblings(self, area: Area) -> list[Area]:
        """The areas a parent total sums beside this one (itself included): a trust's
        municipalities, a region's trusts and the municipalities no trust covers, a trust's
        hospitals. Secondary suppression works within these."""
        if area.kind == HOSPITAL:
            return [h for h in self.hospitals if h.parent_key == area.parent_key]
        if area.kind == REGION:
            return list(self.regions)
        return [other for other in (*self.health_trusts, *self.municipalities)
                if other.parent_key == area.parent_key]

    def __iter__(self):
        return iter(self.all())

    def __len__(self):
        return len(self._by_key)


def current_numbers() -> dict[str, str]:
    """Old kommunenummer -> current, from the population module's history (cached)."""
    return number_map()


def areas(region: str | None = None) -> Areas:
    """The areas of one region (all regions when None), in name order. At most 3 queries."""
    organizations = Organization.objects.filter(kind__in=(
        OrganizationKind.MUNICIPALITY, OrganizationKind.HEALTH_TRUST, OrganizationKind.HOSPITAL))
    if region:
        organizations = organizations.filter(region=region)
    organizations = list(organizations.only(
        "pk", "uuid", "kind", "name", "orgnr", "municipality_number", "parent_id", "region")
        .order_by("name", "pk"))
    current = current_numbers()
    by_pk = {org.pk: org for org in organizations}
    number_of = {org.pk: current.get(org.municipality_number, org.municipality_number)
                 for org in organizations if org.kind == OrganizationKind.MUNICIPALITY}

    trust_members: dict[int, list[str]] = {}
    trust_of_number: dict[str, int] = {}
    agreements = (CooperationAgreement.objects.filter(municipality_id__in=list(number_of))
                  .order_by("pk").values_list("health_trust_id", "municipality_id"))
    for trust_id, municipality_id in agreements:
        number = number_of[municipality_id]
        if number in trust_of_number or trust_id not in by_pk:
            continue  # the lowest agreement's trust wins; a trust of another region is left out
        trust_of_number[number] = trust_id
        trust_members.setdefault(trust_id, []).append(number)

    region_members: dict[str, list[str]] = {}
    for org in organizations:
        if org.kind == OrganizationKind.MUNICIPALITY:
            members = region_members.setdefault(org.region, [])
            if number_of[org.pk] not in members:
                members.append(number_of[org.pk])
    present = {org.region for org in organizations}
    region_codes = [code for code in Region.values if code in present or code == region]
    labels = dict(Region.choices)
    regions = [Area(REGION, code, str(labels[code]),
                    tuple(sorted(region_members.get(code, ()))))
               for code in region_codes]

    trusts, hospitals, municipalities = [], [], []
    trust_key = {}
    for org in organizations:
        if org.kind == OrganizationKind.HEALTH_TRUST:
            trust_key[org.pk] = str(org.uuid)
            trusts.append(Area(HEALTH_TRUST, str(org.uuid), org.name,
                               tuple(sorted(trust_members.get(org.pk, ()))),
                               parent_key=org.region, orgnr=org.orgnr))
    all_numbers = tuple(sorted(set(number_of.values())))
    seen: set[str] = set()
    for org in organizations:
        if org.kind == OrganizationKind.HOSPITAL:
            hospitals.append(Area(HOSPITAL, str(org.uuid), org.name, all_numbers,
                                  hospital_id=org.pk,
                                  parent_key=trust_key.get(org.parent_id, org.region),
                                  orgnr=org.orgnr))
        elif org.kind == OrganizationKind.MUNICIPALITY:
            number = number_of[org.pk]
            if number in seen:  # an old number's row beside the current one's
                continue
            seen.add(number)
            parent = trust_of_number.get(number)
            municipalities.append(Area(
                MUNICIPALITY, number, org.name, (number,),
                parent_key=trust_key[parent] if parent else org.region))
    return Areas(municipalities, trusts, regions, hospitals)


def numbers_of(areas_: Iterable[Area]) -> set[str]:
    """Every municipality number the areas sum (a hospital's are not needed: it is read by
    its hospital)."""
    return {number for area in areas_ if area.kind != HOSPITAL
            for number in area.municipality_numbers}
