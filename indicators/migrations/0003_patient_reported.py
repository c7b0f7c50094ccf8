"""What patients report, in the catalogue (issue 14): the change in self-reported scores per
service level (the evaluation's self-report, COPM-style, 1-10) and the experience survey
(PREM) after a pathway. Two units of means (points, kept in hundredths; a change may be
negative, so the figure's numerator is no longer held at 0 or more) and three computations.

Idempotent (update_or_create by code) and reversible (the entries are removed by code)."""

from django.db import migrations, models

ISSUE = "Issue 14, «The patient's own door»"
SEED_003 = "seed 003 § 3.2 («Brukermedvirkning»)"
FORSKRIFT_KVALITET = ("Forskrift om ledelse og kvalitetsforbedring i helse- og "
                      "omsorgstjenesten (erfaringer fra pasienter og brukere)")
COPM = "Canadian Occupational Performance Measure (COPM)"
MONTHS_NB = ("Tallene regnes ut per måned; et kvartal eller et år er summen av månedene, og "
             "et område summen av kommunene (nåværende kommunenummer).")
MONTHS_EN = ("Figures are computed per month; a quarter or a year is the sum of its months, "
             "and an area the sum of its municipalities (current municipality numbers).")
SMALL_NB = "Tall fra 1 til 4 vises som «<5»."
SMALL_EN = "Counts from 1 to 4 are shown as \"<5\"."
LEVEL_NB = ("Nivået er det høyeste nivået i rehabiliteringspyramiden blant tjenestene i "
            "tiltakene")
LEVEL_EN = "The level is the highest level of the rehabilitation pyramid among the services of the"

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
]
UNIT_CHOICES = [
    ("share", "Share (per cent)"), ("hours", "Hours (median)"), ("days", "Days (median)"),
    ("days_per_1000", "Days per 1 000 inhabitants"), ("nok", "NOK"),
    ("per_1000", "Per 1 000 inhabitants"), ("per_10000", "Per 10 000 inhabitants"),
    ("points", "Points (mean)"), ("points_change", "Change in points (mean)"),
]


def _self_report(score: str, sort_order: int, *, nb: str, en: str, what_nb: str,
                 what_en: str) -> dict:
    return {
        "code": f"self-report-{score}-change", "sort_order": sort_order,
        "computation": "self_report_change", "parameters": {"score": score},
        "unit": "points_change", "direction": "higher", "target": 2,
        "name": f"Endring i egenvurdert {nb}",
        "name_en": f"Change in self-reported {en}",
        "definition": (
            f"Gjennomsnittlig endring i pasientens egen vurdering av {what_nb} (1–10, som i "
            "COPM), fra første til siste egenvurdering av hvert mål i den individuelle "
            "planen, per nivå i rehabiliteringspyramiden."),
        "definition_en": (
            f"The mean change in the patient's own rating of {what_en} (1–10, as in COPM), "
            "from the first to the latest self-report on each goal of the individual plan, "
            "per level of the rehabilitation pyramid."),
        "numerator": ("Summen av endringene fra første til siste egenvurdering, per mål (i "
                      "hundredeler av et poeng)."),
        "numerator_en": ("The sum of the changes from the first to the latest self-report, "
                         "per goal (in hundredths of a point)."),
        "denominator": ("Mål med minst to egenvurderinger, der den siste ble sendt i "
                        "måneden."),
        "denominator_en": ("Goals with at least two self-reports, the latest sent in the "
                           "month."),
        "target_text": "En endring på 2 poeng eller mer regnes som en klinisk viktig endring "
                       "(COPM).",
        "target_text_en": "A change of 2 points or more is taken as clinically important "
                          "(COPM).",
        "source": f"{ISSUE}; {SEED_003}; seed 001 § 5.2 nr. 1; {COPM}.",
        "caveats": (
            "Måneden er måneden den siste egenvurderingen ble sendt. "
            f"{LEVEL_NB} knyttet til målet; mål uten en slik tjeneste telles bare i "
            "totalen. Pasientens egne svar vises aldri, bare tall for mange mål samlet. "
            f"{MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (
            "The month is the month the latest self-report was sent. "
            f"{LEVEL_EN} goal's measures; a goal without such a service counts in the total "
            "only. A patient's own answers are never shown, only figures for many goals "
            f"together. {MONTHS_EN} {SMALL_EN}"),
    }


PREM_NB = ("Erfaringsundersøkelsen (PREM) som pasienten får etter at den individuelle planen "
           "er avsluttet, besvares anonymt: svaret lagres med kommune, måned og høyeste "
           "tjenestenivå i planen, og ingenting annet.")
PREM_EN = ("The experience survey (PREM) the patient gets when the individual plan has "
           "closed is answered anonymously: the answer is stored with the municipality, the "
           "month and the plan's highest service level, and nothing else.")

CATALOGUE = [
    _self_report("performance", 190, nb="utførelse", en="performance",
                 what_nb="hvor godt hen mestrer det målet gjelder",
                 what_en="how well they manage what the goal is about"),
    _self_report("satisfaction", 200, nb="tilfredshet", en="satisfaction",
                 what_nb="hvor fornøyd hen er med hvordan det går",
                 what_en="how satisfied they are with how it goes"),
    {
        "code": "experience-overall", "sort_order": 210, "computation": "experience_share",
        "parameters": {"question": "overall", "at_least": 4}, "unit": "share",
        "direction": "higher",
        "name": "Fornøyd med hjelpen alt i alt",
        "name_en": "Satisfied with the help overall",
        "definition": (
            "Andelen som svarte 4 eller 5 («i stor grad» eller «i svært stor grad») på «Alt i "
            "alt er jeg fornøyd med hjelpen jeg fikk» i erfaringsundersøkelsen etter "
            "forløpet."),
        "definition_en": (
            "The share answering 4 or 5 (\"to a great extent\" or \"to a very great "
            "extent\") to \"Overall, I am satisfied with the help I got\" in the experience "
            "survey after the pathway."),
        "numerator": "Svar med 4 eller 5 på spørsmålet.",
        "numerator_en": "Answers of 4 or 5 to the statement.",
        "denominator": "Svar på spørsmålet i måneden.",
        "denominator_en": "Answers to the statement in the month.",
        "source": f"{ISSUE}; {SEED_003}; {FORSKRIFT_KVALITET}.",
        "caveats": (
            f"{PREM_NB} Måneden er svarmåneden. Tallene fordeles også på det høyeste nivået "
            "i rehabiliteringspyramiden blant tjenestene i planens tiltak. "
            f"{MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (
            f"{PREM_EN} The month is the month of the answer. The figures are also split by "
            "the highest level of the rehabilitation pyramid among the services of the plan's "
            f"measures. {MONTHS_EN} {SMALL_EN}"),
    },
    {
        "code": "experience-mean", "sort_order": 220, "computation": "experience_mean",
        "parameters": {"question": ""}, "unit": "points", "direction": "higher",
        "name": "Pasienterfaring, gjennomsnitt",
        "name_en": "Patient experience, mean score",
        "definition": (
            "Gjennomsnittet av svarene (1–5) på alle utsagnene i erfaringsundersøkelsen etter "
            "forløpet: hver svarer teller én gang, med gjennomsnittet av sine egne svar."),
        "definition_en": (
            "The mean of the answers (1–5) to every statement of the experience survey after "
            "the pathway: each respondent counts once, with the mean of their own answers."),
        "numerator": "Summen av hver svarers gjennomsnitt (i hundredeler av et poeng).",
        "numerator_en": "The sum of each respondent's mean (in hundredths of a point).",
        "denominator": "Svar i måneden.",
        "denominator_en": "Answers in the month.",
        "target_text": "5 er best: «i svært stor grad».",
        "target_text_en": "5 is best: \"to a very great extent\".",
        "source": f"{ISSUE}; {SEED_003}; {FORSKRIFT_KVALITET}.",
        "caveats": (
            f"{PREM_NB} Et utsagn pasienten hoppet over, teller ikke. {MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (
            f"{PREM_EN} A statement the patient skipped does not count. {MONTHS_EN} "
            f"{SMALL_EN}"),
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
        ("indicators", "0002_catalogue"),
    ]

    # The fields first (choices and a validator: no SQL), then the entries; backwards the
    # entries (and their figures) go first.
    operations = [
        migrations.AlterField(
            model_name="figure",
            name="numerator",
            field=models.BigIntegerField(default=0, verbose_name="numerator"),
        ),
        migrations.AlterField(
            model_name="indicator",
            name="computation",
            field=models.CharField(choices=COMPUTATION_CHOICES, max_length=40,
                                   verbose_name="computation"),
        ),
        migrations.AlterField(
            model_name="indicator",
            name="unit",
            field=models.CharField(choices=UNIT_CHOICES, max_length=20, verbose_name="unit"),
        ),
        migrations.RunPython(create_entries, remove_entries),
    ]
