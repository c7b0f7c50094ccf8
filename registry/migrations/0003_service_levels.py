"""The rehabilitation pyramid's levels (DOMAIN.md, seed 001 §2). Administrators edit them
afterwards in the admin; this only creates the rows that do not exist yet."""

from django.db import migrations

LEVELS = [
    ("1", 10, "Egenmestring og forebygging", "Self-management and prevention",
     "Frisklivssentral, lærings- og mestringstilbud, likepersonsarbeid.",
     "Healthy-life centre, learning and coping courses, peer support.",
     "Kommune, brukerorganisasjoner"),
    ("2", 20, "Lavterskeltilbud / hverdagsrehabilitering", "Low-threshold / everyday rehabilitation",
     "Tidsavgrenset hverdagsrehabilitering i hjemmet ved tverrfaglig team, for alle aldre.",
     "Time-limited everyday rehabilitation at home by an interdisciplinary team, all ages.",
     "Kommune"),
    ("3", 30, "Tverrfaglig rehabiliteringsteam", "Interdisciplinary rehabilitation team",
     "Kommunalt tverrfaglig team (sykepleier, ergoterapeut, fysioterapeut) i samarbeid med "
     "fastlege; spesifikk kartlegging og rehabilitering, kognitiv kompetanse. Kan være "
     "interkommunalt.",
     "Municipal interdisciplinary team (nurse, occupational therapist, physiotherapist) with the "
     "GP; specific assessment and rehabilitation, cognitive expertise. May be inter-municipal.",
     "Kommune"),
    ("4", 40, "Institusjonsrehabilitering i kommunen", "Municipal institutional rehabilitation",
     "Øremerkede kommunale rehabiliteringsplasser; norm 1 plass per 3 000 innbyggere.",
     "Earmarked municipal rehabilitation beds; norm 1 bed per 3,000 inhabitants.",
     "Kommune (eller kjøpt fra private institusjoner)"),
    ("5.1", 51, "Spesialisert rehabilitering, høy kompleksitet",
     "Specialised rehabilitation, high complexity",
     "Moderat til alvorlig funksjonsnedsettelse, 2–4 profesjoner i tillegg til lege og "
     "sykepleier, medisinsk oppfølging som ikke krever sykehus.",
     "Moderate to severe impairment, 2–4 professions besides physician and nurse, medical "
     "monitoring not requiring a hospital.",
     "Private institusjoner, helseforetak"),
    ("5.2", 52, "Spesialisert rehabilitering i sykehus", "Specialised rehabilitation in hospital",
     "Moderat til alvorlig funksjonsnedsettelse, 4+ profesjoner, behov for medisinsk "
     "behandling som bare sykehus kan gi.",
     "Moderate to severe impairment, 4+ professions, needs medical care only a hospital offers.",
     "Sykehusenes rehabiliteringsavdelinger"),
    ("5.3", 53, "Høyspesialisert (regional) rehabilitering",
     "Highly specialised (regional) rehabilitation",
     "Komplikasjoner, 4+ høyt spesialiserte profesjoner og særskilt kompetanse; regionale "
     "prioriterte grupper som alvorlig traumatisk hjerneskade, ryggmargsskade i tidlig fase, "
     "multitraume og traumatisk amputasjon.",
     "Complications, 4+ highly expert professions and special competence; regional priority "
     "groups such as severe traumatic brain injury, early spinal cord injury, multitrauma and "
     "traumatic amputation.",
     "Regionale sentre"),
]


def create_levels(apps, schema_editor):
    ServiceLevel = apps.get_model("registry", "ServiceLevel")
    for code, order, name, name_en, description, description_en, provider in LEVELS:
        ServiceLevel.objects.get_or_create(code=code, defaults={
            "sort_order": order, "name": name, "name_en": name_en, "description": description,
            "description_en": description_en, "typical_provider": provider,
        })


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_audit_append_only")]
    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]
