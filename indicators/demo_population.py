"""Population and areas for the demo (`manage.py seed_demo`), added when pathways sends
demo_data_seeded: the shipped SSB figures and kommunenummer history (indicators/data/), each
demo municipality's population from the newest figure under its current number, a cooperation
agreement between each demo municipality and its health trust, and the municipality each demo
hospital and private institution lies in (capacity by health-trust area needs both).

Idempotent: the import is an upsert, an agreement or a located_in that exists (perhaps as an
administrator changed it since) is left alone. Skibotn (Storfjord) and Nordtun lie in
municipalities the demo does not have, so they get no located_in.
"""

from django.utils import timezone

from pathways import demo_data as demo
from registry.models import CooperationAgreement, Organization, OrganizationKind

from .population import SHIPPED_POPULATION, import_shipped, population_for

EARLY_NOTIFICATION_HOURS = 24

# health trust key -> the demo municipalities (keys of pathways/demo_data.py) it serves
AGREEMENTS = {
    "unn": ["tromso", "harstad", "senja", "balsfjord", "karlsoy", "narvik"],
    "finnmarkssykehuset": ["alta", "hammerfest", "sor-varanger", "loppa", "nordkapp"],
    "nlsh": ["bodo", "fauske", "sorfold", "vestvagoy", "hadsel"],
    "helgelandssykehuset": ["somna", "alstahaug", "vefsn", "rana"],
}

# hospital or private institution key -> the municipality key it lies in
LOCATED_IN = {
    "unn-tromso": "tromso",
    "unn-harstad": "harstad",
    "unn-narvik": "narvik",
    "nlsh-bodo": "bodo",
    "nlsh-lofoten": "vestvagoy",
    "nlsh-vesteralen": "hadsel",
    "hammerfest": "hammerfest",  # Hammerfest sykehus (its key is also the town's)
    "kirkenes": "sor-varanger",
    "hsyk-mo-i-rana": "rana",
    "hsyk-mosjoen": "vefsn",
    "hsyk-sandnessjoen": "alstahaug",
    "valnesfjord": "fauske",
    "helgeland-rehabilitering": "somna",
    "opptreningssenteret-finnmark": "alta",
    "vigor": "tromso",
    "avonova": "bodo",
    # skibotn (Storfjord) and nordtun: their municipalities are not in the demo.
}
NOT_LOCATED = ["skibotn", "nordtun"]
NAMES = {key: name for key, name, *_rest in demo.PRIVATE_INSTITUTIONS}


def _same_name(ssb_name: str, name: str) -> bool:
    return ssb_name.casefold() == name.casefold()


def _population_source(value) -> str:
    text = f"{value.source}; folketall 1.1.{value.year}"
    return text if len(text) <= 200 else text[:199] + "…"


def set_demo_populations(municipalities: list[Organization]) -> tuple[int, list[str]]:
    """Each municipality's population from the newest imported figure under its current
    number; one whose number SSB gives another name keeps the demo's own figure."""
    values = population_for([m.municipality_number for m in municipalities],
                            timezone.localdate().year)
    set_count, kept = 0, []
    for municipality in municipalities:
        value = values.get(municipality.municipality_number)
        if value is None or not _same_name(value.name, municipality.name):
            kept.append(f"{municipality.name} ({municipality.municipality_number}"
                        + (f" is {value.name} in SSB's table" if value else ": no figure")
                        + ")")
            continue
        source = _population_source(value)
        if (municipality.population, municipality.population_source) != (value.population,
                                                                          source):
            municipality.population, municipality.population_source = value.population, source
            municipality.save(update_fields=["population", "population_source", "updated_at"])
        set_count += 1
    return set_count, kept


def seed_population_and_areas(sender, *, organizations, **kwargs) -> str:
    """Receiver of pathways.signals.demo_data_seeded; the line it returns is printed."""
    import_shipped()
    municipality_keys = [key for key, *_rest in demo.MUNICIPALITIES]
    by_number = {org.municipality_number: org for org in Organization.objects.filter(
        kind=OrganizationKind.MUNICIPALITY,
        municipality_number__in=[row[2] for row in demo.MUNICIPALITIES])}
    municipalities = {key: by_number[number] for key, _name, number, *_rest
                      in demo.MUNICIPALITIES if number in by_number}
    populated, kept = set_demo_populations([municipalities[k] for k in municipality_keys
                                            if k in municipalities])

    existing = set(CooperationAgreement.objects.filter(
        municipality__in=municipalities.values()).values_list("health_trust", "municipality"))
    new = [CooperationAgreement(health_trust=organizations[trust],
                                municipality=municipalities[key],
                                early_notification_hours=EARLY_NOTIFICATION_HOURS)
           for trust, keys in AGREEMENTS.items() if trust in organizations
           for key in keys if key in municipalities
           and (organizations[trust].pk, municipalities[key].pk) not in existing]
    CooperationAgreement.objects.bulk_create(new)

    hospital_names = {key: name for _trust, _name, _seed, hospitals in demo.HEALTH_TRUSTS
                      for key, name, _hospital_seed in hospitals}
    hospitals = {org.name: org for org in Organization.objects.filter(
        kind=OrganizationKind.HOSPITAL, name__in=hospital_names.values())}
    placed = 0
    for key, municipality_key in LOCATED_IN.items():
        org = hospitals.get(hospital_names[key]) if key in hospital_names \
            else organizations.get(key)
        municipality = municipalities.get(municipality_key)
        if org is None or municipality is None or org.located_in_id is not None:
            continue
        org.located_in = municipality
        org.save(update_fields=["located_in", "updated_at"])
        placed += 1

    line = (f"Population and areas in place: {populated} municipalities' population from "
            f"{SHIPPED_POPULATION[1].split(' via ')[0]} (indicators/data), "
            f"{len(new)} cooperation agreements created, {placed} hospitals and institutions "
            f"placed in their municipality; {' and '.join(NAMES[key] for key in NOT_LOCATED)} "
            "left without one (their municipalities are not in the demo)")
    if kept:
        line += f"; kept the demo's population for {', '.join(kept)}"
    return line + "."
