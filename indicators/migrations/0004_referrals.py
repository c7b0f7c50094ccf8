"""Referrals in the catalogue (issue 15): the share assessed within the patient rights act's
deadline, the share whose necessary care started by the date set, and the days patients
waited from referral to start, per pyramid level. The deadlines' breaches are what the first
two count; the sweeps alert on each one as it happens (referrals.tasks).

Idempotent (update_or_create by code) and reversible (the entries are removed by code)."""

from django.db import migrations, models

ISSUE = "Issue 15, «Referral, assessment and the place that fits»"
LAW = "Pasient- og brukerrettighetsloven § 2-2"
SEED_001 = "seed 001 § 2 og § 3.2"
MONTHS_NB = ("Tallene regnes ut per måned; et kvartal eller et år er summen av månedene, og "
             "et område summen av kommunene (pasientens bostedskommune, nåværende "
             "kommunenummer).")
MONTHS_EN = ("Figures are computed per month; a quarter or a year is the sum of its months, "
             "and an area the sum of its municipalities (the patient's municipality of "
             "residence, current municipality numbers).")
SMALL_NB = "Tall fra 1 til 4 vises som «<5»."
SMALL_EN = "Counts from 1 to 4 are shown as \"<5\"."

COMPUTATION_CHOICES = [
    ("notice_on_time", "Early notifications sent within the deadline"),
    ("notice_hours", "Hours from admission to early notification"),
    ("notice_acknowledged", "Notices acknowledged in time"),
    ("ready_days", "Ready-for-discharge days"),
    ("ready_cost", "Cost of ready-for-discharge days"),
    ("meeting_before_discharge", "Discharge meeting before discharge"),
    ("plan_share", "Patients with an individual plan"),
    ("plan_coordinator", "Plans with a coordinator"),
    ("request_days_to_decision", "Days from a request to its decision"),
    ("request_days_to_coordinator", "Days from a request to a coordinator"),
    ("waiting_days", "Waiting time per service and level"),
    ("level_share", "Placements and measures by pyramid level"),
    ("specialised_rehabilitation", "Specialised rehabilitation stays"),
    ("coordinators", "Coordinators per inhabitant"),
    ("self_report_change", "Change in self-reported scores per service level"),
    ("experience_share", "Experience survey: share answering high"),
    ("experience_mean", "Experience survey: mean score"),
    ("referral_assessed_on_time", "Referrals assessed within the deadline"),
    ("referral_care_on_time", "Necessary care started by the date set"),
    ("referral_waiting_days", "Days from a referral to the start of the stay"),
]

CATALOGUE = [
    {
        "code": "referral-assessed-on-time", "sort_order": 230,
        "computation": "referral_assessed_on_time", "unit": "share", "direction": "higher",
        "target": 100,
        "name": "Henvisninger vurdert innen fristen",
        "name_en": "Referrals assessed within the deadline",
        "definition": (
            "Andelen henvisninger som ble vurdert (tatt imot, avslått eller videresendt) "
            "senest på fristdagen, 10 virkedager etter at henvisningen kom inn."),
        "definition_en": (
            "The share of referrals assessed (accepted, declined or forwarded) on or before "
            "the deadline, 10 working days after the referral was received."),
        "numerator": "Henvisninger vurdert senest på fristdagen.",
        "numerator_en": "Referrals assessed on or before the deadline.",
        "denominator": ("Henvisninger med vurderingsfrist i måneden, der fristen er passert "
                        "eller henvisningen er vurdert."),
        "denominator_en": ("Referrals whose assessment deadline fell in the month, where the "
                           "deadline has passed or the referral has been assessed."),
        "target_text": "Alle henvisninger skal vurderes innen 10 virkedager.",
        "target_text_en": "Every referral is to be assessed within 10 working days.",
        "source": f"{ISSUE}; {LAW}; {SEED_001}.",
        "caveats": (
            "Virkedager er mandag til fredag unntatt helligdager og 1. og 17. mai. En "
            "videresendt henvisning telles én gang, der den til slutt ble vurdert; den beholder "
            "den opprinnelige fristen. Tallene fordeles også på nivået i "
            f"rehabiliteringspyramiden for tjenesten det henvises til. {MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (
            "Working days are Monday to Friday except public holidays and 1 and 17 May. A "
            "forwarded referral counts once, where it was assessed in the end; it keeps the "
            "original deadline. The figures are also split by the pyramid level of the "
            f"service referred to. {MONTHS_EN} {SMALL_EN}"),
    },
    {
        "code": "referral-care-on-time", "sort_order": 240,
        "computation": "referral_care_on_time", "unit": "share", "direction": "higher",
        "target": 100,
        "name": "Nødvendig helsehjelp startet innen fristen",
        "name_en": "Necessary care started by the date set",
        "definition": (
            "Andelen pasienter med rett til nødvendig spesialisthelsetjeneste som startet "
            "senest på datoen som ble satt ved vurderingen."),
        "definition_en": (
            "The share of patients with a right to necessary specialised care who started on "
            "or before the date set when the referral was assessed."),
        "numerator": "Pasienter som startet senest på fristdatoen.",
        "numerator_en": "Patients who started on or before the date set.",
        "denominator": ("Pasienter med rett og frist i måneden, der fristen er passert eller "
                        "behandlingen har startet."),
        "denominator_en": ("Patients with the right and a date in the month, where the date "
                           "has passed or care has started."),
        "target_text": "Ingen fristbrudd.",
        "target_text_en": "No missed dates.",
        "source": f"{ISSUE}; {LAW}.",
        "caveats": (f"Henvisninger som ble trukket, telles ikke. {MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (f"Withdrawn referrals are left out. {MONTHS_EN} {SMALL_EN}"),
    },
    {
        "code": "referral-waiting-days", "sort_order": 250,
        "computation": "referral_waiting_days", "unit": "days", "direction": "lower",
        "name": "Ventetid fra henvisning til oppstart",
        "name_en": "Waiting from referral to start",
        "definition": (
            "Median antall kalenderdager fra henvisningen kom inn til oppholdet startet, per "
            "nivå i rehabiliteringspyramiden."),
        "definition_en": (
            "The median number of calendar days from the referral's receipt to the start of "
            "the stay, per level of the rehabilitation pyramid."),
        "numerator": "Dager fra mottatt henvisning til oppstart, for hver pasient.",
        "numerator_en": "Days from the referral's receipt to the start, for each patient.",
        "denominator": "Opphold som startet i måneden.",
        "denominator_en": "Stays that started in the month.",
        "source": f"{ISSUE}; {SEED_001}.",
        "caveats": (
            "Dette er ventetiden pasientene faktisk hadde. Katalogen viser ventetiden en ny "
            "pasient kan regne med, beregnet fra ventelisten og takten i oppstartene. "
            f"{MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (
            "This is the waiting patients had. The catalogue shows the waiting a new patient "
            "can expect, computed from the waiting list and the pace of starts. "
            f"{MONTHS_EN} {SMALL_EN}"),
    },
]

TEXT_FIELDS = ("name", "name_en", "definition", "definition_en", "numerator", "numerator_en",
               "denominator", "denominator_en", "target_text", "target_text_en", "source",
               "caveats", "caveats_en")


def create_entries(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    for entry in CATALOGUE:
        defaults = {name: entry.get(name, "") for name in TEXT_FIELDS}
        defaults.update(sort_order=entry["sort_order"], computation=entry["computation"],
                        parameters=entry.get("parameters", {}), unit=entry["unit"],
                        direction=entry["direction"], target=entry.get("target"),
                        published=True)
        Indicator.objects.update_or_create(code=entry["code"], defaults=defaults)


def remove_entries(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    Indicator.objects.filter(code__in=[entry["code"] for entry in CATALOGUE]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0003_patient_reported"),
        ("referrals", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="indicator",
            name="computation",
            field=models.CharField(choices=COMPUTATION_CHOICES, max_length=40,
                                   verbose_name="computation"),
        ),
        migrations.RunPython(create_entries, remove_entries),
    ]
