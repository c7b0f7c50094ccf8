"""The function domains of the needs assessment (the chapters of ICF's activities and
participation, and pain) and the first level rule set: the stroke pathway's Barthel index and
modified Rankin bands (seed 001 § 2, footnote 8). The seed calls its model a draft for
discussion: the bands are data an administrator edits, and the suggestion never decides."""

from django.db import migrations

DOMAINS = [
    # code, ICF chapter, bokmål, English
    ("learning", "d1", "Læring og anvendelse av kunnskap", "Learning and applying knowledge"),
    ("general_tasks", "d2", "Allmenne oppgaver og krav", "General tasks and demands"),
    ("communication", "d3", "Kommunikasjon", "Communication"),
    ("mobility", "d4", "Mobilitet", "Mobility"),
    ("self_care", "d5", "Egenomsorg", "Self-care"),
    ("domestic_life", "d6", "Hjemmeliv", "Domestic life"),
    ("relationships", "d7", "Mellommenneskelig samhandling og relasjoner",
     "Interpersonal interactions and relationships"),
    ("major_life_areas", "d8", "Viktige livsområder: skole, arbeid, økonomi",
     "Major life areas: education, work, economic life"),
    ("community_life", "d9", "Samfunnsliv, sosialt liv og fritid",
     "Community, social and civic life"),
    ("pain", "b280", "Smerte", "Pain"),
]

RULES = [
    # order, level, Barthel from-to, modified Rankin from-to, reason (nb), reason (en)
    (10, "1", 95, 100, 0, 1,
     "Ingen eller svært lett funksjonsnedsettelse: egenmestring og oppfølging hos fastlegen.",
     "No or very slight disability: self-management and follow-up by the GP."),
    (20, "2", 80, 100, 0, 2,
     "Lett funksjonsnedsettelse: tidsavgrenset hverdagsrehabilitering hjemme.",
     "Slight disability: time-limited everyday rehabilitation at home."),
    (30, "3", 60, 100, 2, 3,
     "Lett til moderat funksjonsnedsettelse: tverrfaglig team i kommunen; vurder tidlig "
     "støttet utskriving.",
     "Slight to moderate disability: the municipality's interdisciplinary team; consider "
     "early supported discharge."),
    (40, "4", 40, 100, 3, 4,
     "Moderat funksjonsnedsettelse med behov for døgnopphold: institusjonsrehabilitering i "
     "kommunen.",
     "Moderate disability needing a stay: institutional rehabilitation in the municipality."),
    (50, "5.1", 20, 100, 3, 5,
     "Moderat til alvorlig funksjonsnedsettelse uten behov for sykehus: spesialisert "
     "rehabilitering av høy kompleksitet.",
     "Moderate to severe disability not needing a hospital: specialised rehabilitation of "
     "high complexity."),
    (60, "5.2", 0, 100, 4, 5,
     "Alvorlig funksjonsnedsettelse med behov for sykehusets medisinske oppfølging: "
     "spesialisert rehabilitering i sykehus.",
     "Severe disability needing a hospital's medical care: specialised rehabilitation in "
     "hospital."),
]


def seed(apps, schema_editor):
    FunctionDomain = apps.get_model("referrals", "FunctionDomain")
    LevelRuleSet = apps.get_model("referrals", "LevelRuleSet")
    LevelRule = apps.get_model("referrals", "LevelRule")
    ServiceLevel = apps.get_model("registry", "ServiceLevel")
    for order, (code, icf, name, name_en) in enumerate(DOMAINS, start=1):
        FunctionDomain.objects.get_or_create(code=code, defaults={
            "icf_code": icf, "name": name, "name_en": name_en, "sort_order": order * 10})
    rule_set, created = LevelRuleSet.objects.get_or_create(code="stroke-barthel-mrs", defaults={
        "name": "Hjerneslag: Barthel-indeks og modifisert Rankin (utkast)",
        "name_en": "Stroke: Barthel index and modified Rankin (draft)",
        "source": "Seed 001 § 2, fotnote 8 (inspirert av Pakkeforløp hjerneslag fase 2); "
                  "båndene er et utkast til drøfting.",
        "active": not LevelRuleSet.objects.filter(active=True).exists()})
    if not created:
        return
    levels = {level.code: level for level in ServiceLevel.objects.all()}
    if not levels:  # a database without the pyramid (the levels come with registry 0003)
        return
    for order, code, b_min, b_max, r_min, r_max, reason, reason_en in RULES:
        LevelRule.objects.create(rule_set=rule_set, order=order, level=levels[code],
                                 barthel_min=b_min, barthel_max=b_max, rankin_min=r_min,
                                 rankin_max=r_max, reason=reason, reason_en=reason_en)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("registry", "0015_referrals_and_waiting_time"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
