"""The indicator catalogue of issue 13, as data an administrator can read and extend: each
entry's words in bokmål and English, its unit, direction, target or norm where one exists,
source and caveats, and the computation (indicators.computations) that fills its figures.

Idempotent (update_or_create by code) and reversible (the entries are removed by code); an
entry's updated_at tells the nightly computation to recompute it in full.
"""

import django.utils.timezone
from django.db import migrations, models

DOMAIN = "DOMAIN.md, «Data and indicators worth computing»"
FORSKRIFT_BETALING = ("Forskrift om kommunal medfinansiering av spesialisthelsetjenesten og "
                      "kommunal betaling for utskrivningsklare pasienter")
FORSKRIFT_IP = ("Forskrift 16. desember 2011 nr. 1256 om habilitering og rehabilitering, "
                "individuell plan og koordinator")
MONTHS_NB = ("Tallene regnes ut per måned; et kvartal eller et år er summen av månedene, og "
             "et område summen av kommunene (nåværende kommunenummer).")
MONTHS_EN = ("Figures are computed per month; a quarter or a year is the sum of its months, "
             "and an area the sum of its municipalities (current municipality numbers).")
PER_CAPITA_NB = ("Per innbygger regnes med folketallet fra SSB (tabell 07459) for året; "
                 "for en enkelt måned blir tallet lite, sammenlign helst hele år.")
PER_CAPITA_EN = ("Per inhabitant uses SSB's population (table 07459) of the year; a single "
                 "month gives a small number, compare whole years.")
SMALL_NB = "Tall fra 1 til 4 vises som «<5»."
SMALL_EN = "Counts from 1 to 4 are shown as \"<5\"."

CATALOGUE = [
    {
        "code": "notice-on-time", "sort_order": 10, "computation": "notice_on_time",
        "unit": "share", "direction": "higher", "target": 100,
        "name": "Tidligmelding innen fristen",
        "name_en": "Early notification within the deadline",
        "definition": (
            "Andelen innleggelser der sykehuset sendte den første tidligmeldingen til "
            "kommunen innen fristen: 24 timer etter innleggelse, eller fristen i "
            "samarbeidsavtalen mellom helseforetaket og kommunen."),
        "definition_en": (
            "The share of admissions for which the hospital sent its first early "
            "notification to the municipality within the deadline: 24 hours after admission, "
            "or the deadline of the cooperation agreement between the health trust and the "
            "municipality."),
        "numerator": "Innleggelser der første tidligmelding ble sendt før eller ved fristen.",
        "numerator_en": "Admissions whose first early notification was sent at or before "
                        "the deadline.",
        "denominator": (
            "Innleggelser i måneden der fristen har gått ut. Et opphold som ble avsluttet "
            "før fristen uten melding, telles ikke."),
        "denominator_en": (
            "Admissions in the month whose deadline has passed. A stay that ended before its "
            "deadline without a notice is not counted."),
        "target_text": "Alle, innen 24 timer etter innleggelse (forskrift) eller avtalt frist.",
        "target_text_en": "All, within 24 hours of admission (regulation) or the agreed "
                          "deadline.",
        "source": f"{DOMAIN}; seed 001 §3.4.1 og §5.3 nr. 3; {FORSKRIFT_BETALING}.",
        "caveats": (
            "Måneden er innleggelsesmånedenes. Innleggelser der fristen ennå ikke er ute, "
            f"kommer med når den er ute. {MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (
            "The month is the month of admission. Admissions whose deadline has not passed "
            f"yet are counted once it has. {MONTHS_EN} {SMALL_EN}"),
    },
    {
        "code": "notice-hours", "sort_order": 20, "computation": "notice_hours",
        "unit": "hours", "direction": "lower", "target": 24,
        "name": "Timer fra innleggelse til tidligmelding",
        "name_en": "Hours from admission to early notification",
        "definition": "Mediantid i hele timer fra innleggelse til første tidligmelding.",
        "definition_en": "The median time in whole hours from admission to the first early "
                         "notification.",
        "numerator": "Timer fra innleggelse til første tidligmelding, per innleggelse "
                     "(fordelingen, som medianen leses av).",
        "numerator_en": "Hours from admission to the first early notification, per admission "
                        "(the distribution the median is read from).",
        "denominator": "Innleggelser i måneden med sendt tidligmelding.",
        "denominator_en": "Admissions in the month with an early notification sent.",
        "target_text": "Innen 24 timer.",
        "target_text_en": "Within 24 hours.",
        "source": f"{DOMAIN}; seed 001 §3.4.1 og §5.3 nr. 3; {FORSKRIFT_BETALING}.",
        "caveats": (
            "Innleggelser uten sendt melding er ikke med (se «Tidligmelding innen fristen»). "
            f"{MONTHS_NB}"),
        "caveats_en": (
            "Admissions without a notice sent are not included (see \"Early notification "
            f"within the deadline\"). {MONTHS_EN}"),
    },
    {
        "code": "notice-acknowledged", "sort_order": 30, "computation": "notice_acknowledged",
        "unit": "share", "direction": "higher",
        "name": "Tidligmeldinger kvittert i tide",
        "name_en": "Early notifications acknowledged in time",
        "definition": (
            "Andelen første tidligmeldinger som kommunens koordinerende enhet kvitterte for "
            "innen avtalt tid etter at de ble sendt."),
        "definition_en": (
            "The share of first early notifications that the municipality's coordinating "
            "unit acknowledged within the agreed time after they were sent."),
        "numerator": "Første tidligmeldinger kvittert innen fristen.",
        "numerator_en": "First early notifications acknowledged within the time.",
        "denominator": (
            "Første tidligmeldinger sendt i måneden der tiden er ute, eller som allerede er "
            "kvittert."),
        "denominator_en": (
            "First early notifications sent in the month whose time is over, or that are "
            "already acknowledged."),
        "target_text": "Alle, innen påminnelsesfristen (standard 8 timer).",
        "target_text_en": "All, within the reminder's time (8 hours by default).",
        "source": f"{DOMAIN}; seed 001 §3.4.1.",
        "caveats": (
            "Fristen er parameteren «hours», ellers portalens innstilling "
            "ACKNOWLEDGE_WITHIN_HOURS (påminnelsen til KE). Oppdaterte meldinger telles ikke. "
            f"{MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (
            "The time is the parameter \"hours\", else the portal's setting "
            "ACKNOWLEDGE_WITHIN_HOURS (the reminder to the KE). Updated notices are not "
            f"counted. {MONTHS_EN} {SMALL_EN}"),
    },
    {
        "code": "ready-days", "sort_order": 40, "computation": "ready_days",
        "unit": "days_per_1000", "direction": "lower",
        "name": "Utskrivningsklare døgn per 1 000 innbyggere",
        "name_en": "Ready-for-discharge days per 1 000 inhabitants",
        "definition": (
            "Døgn kommunen betaler for pasienter som er meldt utskrivningsklare: fra og med "
            "dagen pasienten ble meldt klar, hver dag kommunen har sagt at den ikke kan ta "
            "imot eller ikke har svart, til avmelding, utskrivning, overføring eller død. "
            "Dager fra og med datoen kommunen sa den kan ta imot, er sykehusets."),
        "definition_en": (
            "Days the municipality pays for patients declared ready for discharge: from and "
            "including the day of the declaration, each day the municipality has said it "
            "cannot receive the patient or has not answered, until withdrawal, discharge, "
            "transfer or death. Days from the date the municipality said it can receive are "
            "the hospital's."),
        "numerator": "Betalingsdøgn i måneden (dagen telles i måneden den faller i).",
        "numerator_en": "Payment days in the month (a day counts in the month it falls in).",
        "denominator": "Innbyggere i kommunen (SSB), per 1 000.",
        "denominator_en": "Inhabitants of the municipality (SSB), per 1 000.",
        "source": f"{DOMAIN}; {FORSKRIFT_BETALING}; regelen i pathways/billing.py.",
        "caveats": (
            "Samme regel som døgnoversikten på innleggelsen, så tallene kan etterprøves. "
            f"Døgn med pågående erklæring telles til og med i dag. {PER_CAPITA_NB} "
            f"{MONTHS_NB}"),
        "caveats_en": (
            "The same rule as the admission's day statement, so the figures can be checked. "
            f"Days of a declaration still in force count through today. {PER_CAPITA_EN} "
            f"{MONTHS_EN}"),
    },
    {
        "code": "ready-cost", "sort_order": 50, "computation": "ready_cost",
        "unit": "nok", "direction": "lower",
        "name": "Kostnad for utskrivningsklare døgn",
        "name_en": "Cost of ready-for-discharge days",
        "definition": "Betalingsdøgnene ganget med døgnsatsen for året, i kroner.",
        "definition_en": "The payment days times the year's daily rate, in NOK.",
        "numerator": "Betalingsdøgn i måneden × døgnsats (kr 5 745 i 2024, 5 508 i 2023, "
                     "5 306 i 2022).",
        "numerator_en": "Payment days in the month × daily rate (NOK 5 745 in 2024, 5 508 in "
                        "2023, 5 306 in 2022).",
        "denominator": "",
        "denominator_en": "",
        "source": f"{DOMAIN}; {FORSKRIFT_BETALING}; døgnsatsene i pathways.DailyRate.",
        "caveats": (
            "Et år uten registrert døgnsats har ingen kostnad å vise (ikke 0 kr): registrer "
            "satsen i administrasjonen (Døgnsatser), så regnes tallene på nytt neste natt. "
            f"{MONTHS_NB}"),
        "caveats_en": (
            "A year without a registered daily rate has no cost to show (not NOK 0): register "
            "the rate in the admin (Daily rates) and the figures are computed again the next "
            f"night. {MONTHS_EN}"),
    },
    {
        "code": "meeting-before-discharge", "sort_order": 60,
        "computation": "meeting_before_discharge", "unit": "share", "direction": "higher",
        "target": 100,
        "name": "Utskrivingsmøte før utskrivning",
        "name_en": "Discharge meeting before discharge",
        "definition": (
            "Andelen utskrevne pasienter som skulle ha tverrfaglig oppfølging i kommunen, og "
            "som hadde et tverrfaglig utskrivingsmøte før utskrivningen."),
        "definition_en": (
            "The share of discharged patients who needed interdisciplinary follow-up in the "
            "municipality and had an interdisciplinary discharge meeting before discharge."),
        "numerator": "Utskrivninger med et møte holdt, eller berammet til å starte, før "
                     "utskrivningen (avlyste møter teller ikke).",
        "numerator_en": "Discharges with a meeting held, or scheduled to start, before the "
                        "discharge (cancelled meetings do not count).",
        "denominator": "Utskrivninger i måneden med behov for tverrfaglig oppfølging.",
        "denominator_en": "Discharges in the month that needed interdisciplinary follow-up.",
        "target_text": "Alle som skal ha tverrfaglig oppfølging videre.",
        "target_text_en": "All who will have interdisciplinary follow-up.",
        "source": f"{DOMAIN}; seed 001 §5.2 og §5.3 nr. 6.",
        "caveats": (
            "Dødsfall og overføringer til annet sykehus er ikke utskrivninger her. "
            f"{MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (
            "Deaths and transfers to another hospital are not discharges here. "
            f"{MONTHS_EN} {SMALL_EN}"),
    },
    {
        "code": "plan-share", "sort_order": 70, "computation": "plan_share",
        "unit": "share", "direction": "higher",
        "name": "Andel med individuell plan",
        "name_en": "Share with an individual plan",
        "definition": (
            "Andelen pasienter utskrevet etter et opphold med behov for tverrfaglig "
            "oppfølging som har en individuell plan."),
        "definition_en": (
            "The share of patients discharged after a stay that needed interdisciplinary "
            "follow-up who have an individual plan."),
        "numerator": (
            "Pasienter med en individuell plan (under utarbeidelse, aktiv, under evaluering, "
            "eller avsluttet etter at oppholdet begynte), i hvilken som helst kommune."),
        "numerator_en": (
            "Patients with an individual plan (in preparation, active, under evaluation, or "
            "closed after the stay began), in any municipality."),
        "denominator": "Pasienter utskrevet i måneden etter et slikt opphold (hver pasient "
                       "én gang per måned).",
        "denominator_en": "Patients discharged in the month after such a stay (each patient "
                          "once a month).",
        "target_text": "Referanse: 14 % av hjemmeboende og 3 % av tjenestemottakere i "
                       "institusjon hadde individuell plan i 2015 (seed 003 §3.3).",
        "target_text_en": "Reference: 14 % of home-dwelling and 3 % of institutional service "
                          "users had an individual plan in 2015 (seed 003 §3.3).",
        "source": f"{DOMAIN}; seed 003 §3.3; seed 001 §5.1 nr. 6; {FORSKRIFT_IP}.",
        "caveats": (
            "Planer telles slik de står når tallene regnes ut: en plan som lages senere, "
            "teller med for måneden pasienten ble utskrevet. Koordinator uten plan og avslåtte "
            f"planer teller ikke. {MONTHS_NB} {SMALL_NB}"),
        "caveats_en": (
            "Plans count as they stand when the figures are computed: a plan made later "
            "counts for the month the patient was discharged. A coordinator without a plan "
            f"and declined plans do not count. {MONTHS_EN} {SMALL_EN}"),
    },
    {
        "code": "plan-coordinator", "sort_order": 80, "computation": "plan_coordinator",
        "unit": "share", "direction": "higher", "target": 100,
        "name": "Individuelle planer med koordinator",
        "name_en": "Individual plans with a coordinator",
        "definition": "Andelen individuelle planer som har fått oppnevnt koordinator.",
        "definition_en": "The share of individual plans that have had a coordinator "
                         "appointed.",
        "numerator": "Planer med oppnevnt koordinator.",
        "numerator_en": "Plans with a coordinator appointed.",
        "denominator": "Individuelle planer opprettet i måneden (ikke avslåtte).",
        "denominator_en": "Individual plans created in the month (not declined).",
        "target_text": "Alle: den som har rett til individuell plan, har rett til koordinator.",
        "target_text_en": "All: whoever has a right to an individual plan has a right to a "
                          "coordinator.",
        "source": f"{DOMAIN}; seed 003 §3.3; {FORSKRIFT_IP}.",
        "caveats": f"{MONTHS_NB} {SMALL_NB}",
        "caveats_en": f"{MONTHS_EN} {SMALL_EN}",
    },
    {
        "code": "request-days-to-decision", "sort_order": 90,
        "computation": "request_days_to_decision", "unit": "days", "direction": "lower",
        "name": "Dager fra henvendelse til vedtak",
        "name_en": "Days from a request to its decision",
        "definition": (
            "Mediantid i kalenderdager fra koordinerende enhet mottok en henvendelse om "
            "individuell plan eller koordinator til den ble innvilget eller avslått."),
        "definition_en": (
            "The median time in calendar days from the coordinating unit received a request "
            "for an individual plan or a coordinator until it was accepted or declined."),
        "numerator": "Dager fra mottak til vedtak, per henvendelse (fordelingen).",
        "numerator_en": "Days from receipt to decision, per request (the distribution).",
        "denominator": "Henvendelser avgjort i måneden.",
        "denominator_en": "Requests decided in the month.",
        "target_text": "Foreløpig svar om saken tar mer enn en måned (forvaltningsloven "
                       "§ 11 a).",
        "target_text_en": "A preliminary answer if the case takes more than a month "
                          "(Public Administration Act § 11 a).",
        "source": f"{DOMAIN}; {FORSKRIFT_IP}.",
        "caveats": f"Dager telles som i KE-oversikten (kalenderdager i Norge). {MONTHS_NB}",
        "caveats_en": f"Days count as in the KE overview (calendar days in Norway). "
                      f"{MONTHS_EN}",
    },
    {
        "code": "request-days-to-coordinator", "sort_order": 100,
        "computation": "request_days_to_coordinator", "unit": "days", "direction": "lower",
        "name": "Dager fra henvendelse til koordinator",
        "name_en": "Days from a request to a coordinator",
        "definition": (
            "Mediantid i kalenderdager fra koordinerende enhet mottok henvendelsen til "
            "planen fikk sin første koordinator."),
        "definition_en": (
            "The median time in calendar days from the coordinating unit received the request "
            "until its plan got its first coordinator."),
        "numerator": "Dager fra mottak til første koordinator, per henvendelse (fordelingen).",
        "numerator_en": "Days from receipt to the first coordinator, per request (the "
                        "distribution).",
        "denominator": "Henvendelser der planen fikk første koordinator i måneden.",
        "denominator_en": "Requests whose plan got its first coordinator in the month.",
        "source": f"{DOMAIN}; seed 003 §3.3; {FORSKRIFT_IP}.",
        "caveats": f"{MONTHS_NB}",
        "caveats_en": f"{MONTHS_EN}",
    },
    {
        "code": "waiting-days", "sort_order": 110, "computation": "waiting_days",
        "unit": "days", "direction": "lower",
        "name": "Ventetid per nivå i rehabiliteringspyramiden",
        "name_en": "Waiting time per level of the rehabilitation pyramid",
        "definition": (
            "Observert ventetid: mediantid i dager fra et tiltak med et tilbud ble skrevet "
            "inn i den individuelle planen til tiltaket startet, per nivå."),
        "definition_en": (
            "Observed waiting time: the median time in days from a measure with a service was "
            "written into the individual plan until it started, per level."),
        "numerator": "Dager fra tiltaket ble registrert til oppstart, per tiltak (fordelingen).",
        "numerator_en": "Days from registration of the measure to its start, per measure (the "
                        "distribution).",
        "denominator": "Tiltak med et tilbud som starter i måneden, per nivå (1–5.3).",
        "denominator_en": "Measures with a service that start in the month, per level "
                          "(1–5.3).",
        "source": f"{DOMAIN}; seed 001 §2; forskrift om habilitering og rehabilitering § 5 "
                  "(oversikt over tilbud og ventetider).",
        "caveats": (
            "Tilbudenes oppgitte ventetider kommer fra tjenestekatalogen (tilbudets «nåværende "
            "ventetid») og leses direkte av skjermbildene; dette er ventetiden planene viser. "
            f"Et tiltak som startet før det ble registrert, teller 0 dager. {MONTHS_NB}"),
        "caveats_en": (
            "The waiting times services state come from the service catalogue (the service's "
            "\"current waiting time\") and are read live by the screens; this is the waiting "
            "the plans show. A measure that started before it was registered counts 0 days. "
            f"{MONTHS_EN}"),
    },
    {
        "code": "level-share-1-3", "sort_order": 120, "computation": "level_share",
        "parameters": {"levels": ["1", "2", "3"]}, "unit": "share", "direction": "higher",
        "name": "Bruk av pyramiden: nivå 1–3",
        "name_en": "Use of the pyramid: levels 1–3",
        "definition": (
            "Andelen utskrivninger til et nivå og tiltak med tilbud som ligger på nivå 1–3: "
            "egenmestring, hverdagsrehabilitering og tverrfaglige team i kommunen."),
        "definition_en": (
            "The share of discharges to a level and measures with a service that are on "
            "levels 1–3: self-management, everyday rehabilitation and interdisciplinary "
            "municipal teams."),
        "numerator": "Utskrivninger og tiltak på nivå 1, 2 eller 3.",
        "numerator_en": "Discharges and measures on level 1, 2 or 3.",
        "denominator": "Utskrivninger i måneden med nivå etter utskrivning, og tiltak med et "
                       "tilbud som starter i måneden.",
        "denominator_en": "Discharges in the month with a level after discharge, and measures "
                          "with a service that start in the month.",
        "target_text": "Dreining mot tidligere, lavere og nærmere hjemmet (seed 004).",
        "target_text_en": "A shift towards earlier, lower and closer to home (seed 004).",
        "source": f"{DOMAIN}; seed 001 §2; seed 004.",
        "caveats": f"Hvert nivå vises også for seg, så hele pyramiden kan tegnes. {MONTHS_NB}",
        "caveats_en": f"Each level is also kept on its own, so the whole pyramid can be drawn. "
                      f"{MONTHS_EN}",
    },
    {
        "code": "level-share-4", "sort_order": 130, "computation": "level_share",
        "parameters": {"levels": ["4"]}, "unit": "share", "direction": "neither",
        "name": "Bruk av pyramiden: nivå 4",
        "name_en": "Use of the pyramid: level 4",
        "definition": (
            "Andelen utskrivninger til et nivå og tiltak med tilbud som ligger på nivå 4: "
            "institusjonsrehabilitering i kommunen."),
        "definition_en": (
            "The share of discharges to a level and measures with a service that are on level "
            "4: institutional rehabilitation in the municipality."),
        "numerator": "Utskrivninger og tiltak på nivå 4.",
        "numerator_en": "Discharges and measures on level 4.",
        "denominator": "Utskrivninger i måneden med nivå etter utskrivning, og tiltak med et "
                       "tilbud som starter i måneden.",
        "denominator_en": "Discharges in the month with a level after discharge, and measures "
                          "with a service that start in the month.",
        "source": f"{DOMAIN}; seed 001 §2 og §4.2; seed 004.",
        "caveats": f"{MONTHS_NB}",
        "caveats_en": f"{MONTHS_EN}",
    },
    {
        "code": "level-share-5", "sort_order": 140, "computation": "level_share",
        "parameters": {"levels": ["5.1", "5.2", "5.3"]}, "unit": "share",
        "direction": "neither",
        "name": "Bruk av pyramiden: nivå 5.1–5.3",
        "name_en": "Use of the pyramid: levels 5.1–5.3",
        "definition": (
            "Andelen utskrivninger til et nivå og tiltak med tilbud som ligger på nivå "
            "5.1–5.3: spesialisert rehabilitering."),
        "definition_en": (
            "The share of discharges to a level and measures with a service that are on "
            "levels 5.1–5.3: specialised rehabilitation."),
        "numerator": "Utskrivninger og tiltak på nivå 5.1, 5.2 eller 5.3.",
        "numerator_en": "Discharges and measures on level 5.1, 5.2 or 5.3.",
        "denominator": "Utskrivninger i måneden med nivå etter utskrivning, og tiltak med et "
                       "tilbud som starter i måneden.",
        "denominator_en": "Discharges in the month with a level after discharge, and measures "
                          "with a service that start in the month.",
        "source": f"{DOMAIN}; seed 001 §2 og §4.3; seed 004.",
        "caveats": f"Inndelingen 5.1–5.3 er et utkast (seed 001). {MONTHS_NB}",
        "caveats_en": f"The 5.1–5.3 split is a draft (seed 001). {MONTHS_EN}",
    },
    {
        "code": "specialised-rehabilitation", "sort_order": 150,
        "computation": "specialised_rehabilitation", "unit": "per_1000",
        "direction": "neither",
        "name": "Spesialisert rehabilitering per 1 000 innbyggere",
        "name_en": "Specialised rehabilitation per 1 000 inhabitants",
        "definition": (
            "Rehabiliteringsopphold i sykehus og utskrivninger til spesialisert "
            "rehabilitering (nivå 5.1–5.3), per 1 000 innbyggere."),
        "definition_en": (
            "Rehabilitation stays in hospital and discharges to specialised rehabilitation "
            "(levels 5.1–5.3), per 1 000 inhabitants."),
        "numerator": "Rehabiliteringsopphold utskrevet i måneden og utskrivninger til nivå 5; "
                     "hvert opphold telles én gang.",
        "numerator_en": "Rehabilitation stays discharged in the month and discharges to level "
                        "5; each stay counts once.",
        "denominator": "Innbyggere i kommunen (SSB), per 1 000.",
        "denominator_en": "Inhabitants of the municipality (SSB), per 1 000.",
        "target_text": "Midt-Norge om lag 12, landsgjennomsnittet 8,9 per 1 000 innbyggere "
                       "(Samdata, seed 004).",
        "target_text_en": "Central Norway about 12, the national average 8.9 per 1 000 "
                          "inhabitants (Samdata, seed 004).",
        "source": f"{DOMAIN}; seed 004; seed 001 §4.3.",
        "caveats": (
            "Portalen ser oppholdene som går gjennom den; Samdata teller alle opphold i "
            f"spesialisthelsetjenesten. {PER_CAPITA_NB} {MONTHS_NB}"),
        "caveats_en": (
            "The portal sees the stays that pass through it; Samdata counts every stay in "
            f"the specialist health service. {PER_CAPITA_EN} {MONTHS_EN}"),
    },
    {
        "code": "coordinators", "sort_order": 160, "computation": "coordinators",
        "unit": "per_10000", "direction": "higher",
        "name": "Koordinatorer per 10 000 innbyggere",
        "name_en": "Coordinators per 10 000 inhabitants",
        "definition": "Aktive koordinatorer i kommunen per 10 000 innbyggere.",
        "definition_en": "Active coordinators in the municipality per 10 000 inhabitants.",
        "numerator": "Aktive koordinatorprofiler i kommunen.",
        "numerator_en": "Active coordinator profiles in the municipality.",
        "denominator": "Innbyggere i kommunen (SSB), per 10 000.",
        "denominator_en": "Inhabitants of the municipality (SSB), per 10 000.",
        "source": f"{DOMAIN}; seed 001 §5.1 nr. 4 og 6; {FORSKRIFT_IP}.",
        "caveats": (
            "En beholdning, ikke hendelser: tallet gjelder når det ble regnet ut, og står i "
            "den måneden; tidligere måneder beholder sitt siste tall. Et kvartal eller år bør "
            f"leses som siste måned, ikke summen. {PER_CAPITA_NB}"),
        "caveats_en": (
            "A stock, not events: the number holds when it was computed and stands in that "
            "month; past months keep their last number. A quarter or a year should be read as "
            f"its last month, not the sum. {PER_CAPITA_EN}"),
    },
    {
        "code": "coordinators-trained", "sort_order": 170, "computation": "coordinators",
        "parameters": {"trained": True}, "unit": "share", "direction": "higher",
        "target": 100,
        "name": "Koordinatorer med opplæring",
        "name_en": "Coordinators with training",
        "definition": "Andelen aktive koordinatorer som har fullført opplæring.",
        "definition_en": "The share of active coordinators who have completed training.",
        "numerator": "Aktive koordinatorer med fullført opplæring.",
        "numerator_en": "Active coordinators who have completed training.",
        "denominator": "Aktive koordinatorer i kommunen.",
        "denominator_en": "Active coordinators in the municipality.",
        "target_text": "Alle: KE skal lære opp og veilede koordinatorene.",
        "target_text_en": "All: the KE trains and supervises the coordinators.",
        "source": f"{DOMAIN}; seed 001 §5.1 nr. 4 og 6; {FORSKRIFT_IP}.",
        "caveats": (
            "En beholdning i måneden den ble regnet ut (se «Koordinatorer per 10 000 "
            f"innbyggere»). {SMALL_NB}"),
        "caveats_en": (
            "A stock in the month it was computed (see \"Coordinators per 10 000 "
            f"inhabitants\"). {SMALL_EN}"),
    },
    {
        "code": "child-coordinators", "sort_order": 180, "computation": "coordinators",
        "parameters": {"kind": "child"}, "unit": "per_10000", "direction": "higher",
        "name": "Barnekoordinatorer per 10 000 innbyggere",
        "name_en": "Child coordinators per 10 000 inhabitants",
        "definition": "Aktive barnekoordinatorer i kommunen per 10 000 innbyggere.",
        "definition_en": "Active child coordinators in the municipality per 10 000 "
                         "inhabitants.",
        "numerator": "Aktive barnekoordinatorer i kommunen.",
        "numerator_en": "Active child coordinators in the municipality.",
        "denominator": "Innbyggere i kommunen (SSB), per 10 000.",
        "denominator_en": "Inhabitants of the municipality (SSB), per 10 000.",
        "target_text": "Familier med barn med alvorlig sykdom eller nedsatt funksjonsevne har "
                       "rett til barnekoordinator fra 1. august 2022.",
        "target_text_en": "Families of a child with serious illness or disability have a right "
                          "to a child coordinator from 1 August 2022.",
        "source": f"{DOMAIN}; seed 002; helse- og omsorgstjenesteloven § 7-2 a.",
        "caveats": (
            "En beholdning i måneden den ble regnet ut (se «Koordinatorer per 10 000 "
            f"innbyggere»). {PER_CAPITA_NB}"),
        "caveats_en": (
            "A stock in the month it was computed (see \"Coordinators per 10 000 "
            f"inhabitants\"). {PER_CAPITA_EN}"),
    },
]

TEXT_FIELDS = ("name", "name_en", "definition", "definition_en", "numerator", "numerator_en",
               "denominator", "denominator_en", "target_text", "target_text_en", "source",
               "caveats", "caveats_en")


def create_catalogue(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    for entry in CATALOGUE:
        defaults = {name: entry.get(name, "") for name in TEXT_FIELDS}
        defaults.update(sort_order=entry["sort_order"], computation=entry["computation"],
                        parameters=entry.get("parameters", {}), unit=entry["unit"],
                        direction=entry["direction"], target=entry.get("target"),
                        published=True)
        Indicator.objects.update_or_create(code=entry["code"], defaults=defaults)


def remove_catalogue(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    Indicator.objects.filter(code__in=[entry["code"] for entry in CATALOGUE]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0001_initial"),
    ]

    # The entries before the column: backwards the column goes first, then the entries (on
    # PostgreSQL a table whose rows were just deleted, with their figures, cannot be altered
    # in the same transaction).
    operations = [
        migrations.RunPython(create_catalogue, remove_catalogue),
        migrations.AddField(
            model_name="indicator",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now,
                                       verbose_name="updated at"),
            preserve_default=False,
        ),
    ]
