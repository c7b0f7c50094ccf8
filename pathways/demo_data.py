"""Demo data for `manage.py seed_demo`: the Helse Nord region of seed 001.

Sources and honesty notes:

- Organisations: Helse Nord RHF, its four health trusts and their hospitals, and the private
  rehabilitation institutions Helse Nord RHF had agreements with (seed 001 §3.2, names as
  changed according to its footnotes 10–12).
- Municipality numbers (kommunenummer) are those in force from 1 January 2024, after Troms og
  Finnmark was split into Troms (55xx) and Finnmark (56xx); Nordland (18xx) kept its numbers.
- Populations: the demo's municipalities get SSB's own figure (tabell 07459, the newest
  shipped year, under their current number) from the cited extract in indicators/data/, set
  by indicators when demo_data_seeded is sent. The numbers below are only a fallback that
  Organization.clean needs until then (or where no figure matches): SSB tabell 07459,
  1 January 2024, ROUNDED to the nearest hundred and entered by hand. Never use them for
  anything but a demo (capacity norms, rates per 1 000).
- Organisation numbers are MADE UP: registry.validators.synthetic_orgnr(seed) gives valid
  mod-11 numbers starting with 9 that do not belong to these organisations. Never replace
  them with guessed real ones. HER-ids, phone numbers and addresses are left blank.
- Services are illustrative: plausible offerings on every level of the pyramid, placed with
  real providers so the catalogue looks like the region; they are not a register of the
  services these providers actually run, nor of their capacity or waiting times.
- People are fictitious. Patients get synthetic identity numbers (month + 80, as in the
  national test population) from pathways.identity.make_synthetic_identity_number.
- Passwords and the API key below are published demo credentials. seed_demo refuses to run
  under production settings unless told --force, and those settings refuse the credentials
  themselves at sign-in (registry.demo_credentials); `check --deploy` reports them.
"""

import datetime

from registry.demo_credentials import (  # noqa: F401 - part of the demo data
    API_KEY,
    API_KEY_PREFIX,
    API_KEY_SECRET,
    demo_password,
)

# The fallback's source, as an organisation shows it until SSB's figure replaces it.
SOURCE_POPULATION = ("Reservetall for demoen: SSB, tabell 07459, folketall 1.1.2024, "
                     "avrundet til nærmeste 100")

REGION = "helse_nord"

# key, name, synthetic orgnr seed
REGIONAL_HEALTH_AUTHORITY = ("helse-nord", "Helse Nord RHF", 801)

# key, name, seed, hospitals: [(key, name, seed)]
HEALTH_TRUSTS = [
    ("unn", "Universitetssykehuset Nord-Norge HF", 811, [
        ("unn-tromso", "UNN Tromsø", 812),
        ("unn-harstad", "UNN Harstad", 813),
        ("unn-narvik", "UNN Narvik", 814),
    ]),
    ("nlsh", "Nordlandssykehuset HF", 821, [
        ("nlsh-bodo", "Nordlandssykehuset Bodø", 822),
        ("nlsh-lofoten", "Nordlandssykehuset Lofoten", 823),
        ("nlsh-vesteralen", "Nordlandssykehuset Vesterålen", 824),
    ]),
    ("finnmarkssykehuset", "Finnmarkssykehuset HF", 831, [
        ("hammerfest", "Hammerfest sykehus", 832),
        ("kirkenes", "Klinikk Kirkenes", 833),
    ]),
    ("helgelandssykehuset", "Helgelandssykehuset HF", 841, [
        ("hsyk-mo-i-rana", "Helgelandssykehuset Mo i Rana", 842),
        ("hsyk-mosjoen", "Helgelandssykehuset Mosjøen", 843),
        ("hsyk-sandnessjoen", "Helgelandssykehuset Sandnessjøen", 844),
    ]),
]

# key, name, kommunenummer (from 2024), fallback population (1.1.2024 rounded to 100, see
# the module docstring), orgnr seed
MUNICIPALITIES = [
    # Troms
    ("tromso", "Tromsø", "5501", 78_700, 851),
    ("harstad", "Harstad", "5503", 25_300, 852),
    ("senja", "Senja", "5530", 14_800, 853),
    ("balsfjord", "Balsfjord", "5532", 5_600, 854),
    ("karlsoy", "Karlsøy", "5534", 2_100, 855),
    # Finnmark
    ("alta", "Alta", "5601", 21_900, 861),
    ("hammerfest", "Hammerfest", "5603", 11_400, 862),
    ("sor-varanger", "Sør-Varanger", "5605", 10_000, 863),
    ("loppa", "Loppa", "5614", 900, 864),
    ("nordkapp", "Nordkapp", "5620", 3_100, 865),
    # Nordland
    ("bodo", "Bodø", "1804", 53_700, 871),
    ("narvik", "Narvik", "1806", 21_500, 872),
    ("somna", "Sømna", "1812", 2_000, 873),
    ("alstahaug", "Alstahaug", "1820", 7_400, 874),
    ("vefsn", "Vefsn", "1824", 13_300, 875),
    ("rana", "Rana", "1833", 26_400, 876),
    ("fauske", "Fauske", "1841", 9_800, 877),
    ("sorfold", "Sørfold", "1845", 1_900, 878),
    ("vestvagoy", "Vestvågøy", "1860", 11_700, 879),
    ("hadsel", "Hadsel", "1866", 8_100, 880),
]

# Seed 001 §3.2: "Fra 2015 har Helse Nord RHF hatt avtale med sju private
# rehabiliteringsinstitusjoner i regionen ...", with the renamings of footnotes 10–12.
# key, current name, name as written in the seed where it differs, orgnr seed
PRIVATE_INSTITUTIONS = [
    ("opptreningssenteret-finnmark", "Opptreningssenteret i Finnmark", "", 891),
    ("skibotn", "Skibotn Helse og rehabilitering", "LHL-klinikkene Skibotn", 892),
    ("vigor", "ViGØR", "Rehabiliteringssenteret Nord-Norges kurbad", 893),
    ("avonova", "Avonova", "Stamina Helse Bodø og Tromsø", 894),
    ("valnesfjord", "Valnesfjord Helsesportsenter", "", 895),
    ("nordtun", "Nordtun HelseRehab", "Nordtun Helserehab", 896),
    ("helgeland-rehabilitering", "Helgeland Rehabilitering Sømna", "", 897),
]

# code, bokmål, English
TARGET_GROUPS = [
    ("hjerneslag", "Hjerneslag", "Stroke"),
    ("hoftebrudd", "Hoftebrudd", "Hip fracture"),
    ("kreft", "Kreft", "Cancer"),
    ("ms-nevrologi", "MS og andre nevrologiske sykdommer", "MS and other neurological diseases"),
    ("barn-og-unge", "Barn og unge", "Children and young people"),
    ("lungesykdom-covid", "Lungesykdom og senfølger etter covid-19",
     "Lung disease and long covid"),
    ("nevromuskulaer", "Arvelige nevromuskulære sykdommer", "Hereditary neuromuscular diseases"),
    ("traumatisk-hjerneskade", "Traumatisk hjerneskade og multitraume",
     "Traumatic brain injury and multitrauma"),
]

# provider key, level code, name, description, target groups, municipalities served (keys),
# capacity. Illustrative, see the module docstring. No waiting time: a service's is computed
# from its waiting list and starts (referrals.waiting; referrals/demo.py fills one).
SERVICES = [
    # 1 Egenmestring og forebygging
    ("tromso", "1", "Frisklivssentralen i Tromsø",
     "Frisklivsresept, trening i gruppe, kostholds- og røykesluttkurs.",
     ["lungesykdom-covid", "kreft"], [], None),
    ("bodo", "1", "Frisklivssentralen i Bodø",
     "Frisklivsresept og gruppetilbud for fysisk aktivitet og mestring.",
     ["lungesykdom-covid"], ["sorfold"], None),
    ("alta", "1", "Frisklivssentralen i Alta", "Frisklivsresept og mestringskurs.",
     ["lungesykdom-covid"], ["loppa"], None),
    ("unn", "1", "Lærings- og mestringssenteret (LMS), UNN",
     "Kurs for pasienter og pårørende, utviklet sammen med brukerorganisasjonene.",
     ["kreft", "ms-nevrologi", "lungesykdom-covid"], [], None),
    # 2 Hverdagsrehabilitering
    ("tromso", "2", "Hverdagsrehabilitering, Tromsø kommune",
     "Tidsavgrenset, tverrfaglig rehabilitering i hjemmet med utgangspunkt i "
     "«Hva er viktig for deg?».", ["hoftebrudd", "hjerneslag"], ["karlsoy"], 30),
    ("alta", "2", "Hverdagsrehabilitering, Alta kommune",
     "Tverrfaglig team, 4–6 uker i hjemmet.", ["hoftebrudd"], [], 15),
    ("bodo", "2", "Hverdagsrehabilitering, Bodø kommune",
     "Tverrfaglig team, 4–6 uker i hjemmet.", ["hoftebrudd", "hjerneslag"], [], 25),
    ("harstad", "2", "Hverdagsrehabilitering, Harstad kommune",
     "Tidsavgrenset rehabilitering i hjemmet for alle aldre.", ["hoftebrudd"], [], 12),
    # 3 Tverrfaglig rehabiliteringsteam
    ("bodo", "3", "Rehabiliteringstjenesten, Bodø kommune",
     "Tverrfaglig team (sykepleier, ergoterapeut, fysioterapeut) i samarbeid med fastlegen; "
     "kognitiv kartlegging.", ["hjerneslag", "ms-nevrologi"], ["sorfold"], None),
    ("tromso", "3", "Tverrfaglig rehabiliteringsteam, Tromsø kommune",
     "Spesifikk kartlegging og rehabilitering, oppfølging etter utskrivning.",
     ["hjerneslag", "kreft", "ms-nevrologi"], ["karlsoy", "balsfjord"], None),
    ("senja", "3", "Interkommunalt rehabiliteringsteam Midt-Troms",
     "Ambulant tverrfaglig team for kommunene i Midt-Troms.",
     ["hjerneslag", "hoftebrudd"], ["balsfjord"], None),
    ("hammerfest", "3", "Rehabiliteringsteam, Hammerfest kommune",
     "Tverrfaglig team med fysio- og ergoterapeut.", ["hjerneslag", "barn-og-unge"],
     ["nordkapp"], None),
    # 4 Institusjonsrehabilitering i kommunen
    ("bodo", "4", "Kommunale rehabiliteringsplasser, Bodø kommune",
     "Øremerkede døgnplasser; normen 1 plass per 3 000 innbyggere (seed 001 §4.2.4).",
     ["hjerneslag", "hoftebrudd"], [], 18),
    ("tromso", "4", "Korttids- og rehabiliteringsplasser, Tromsø kommune",
     "Døgnplasser for rehabilitering etter sykehusopphold.", ["hoftebrudd", "hjerneslag"],
     [], 20),
    ("narvik", "4", "Rehabiliteringsplasser, Narvik kommune",
     "Døgnplasser i sykehjem, øremerket rehabilitering.", ["hoftebrudd"], [], 7),
    # 5.1 Spesialisert rehabilitering, høy kompleksitet (the private institutions)
    ("opptreningssenteret-finnmark", "5.1", "Døgnrehabilitering, Opptreningssenteret i Finnmark",
     "Individuelle opphold og gruppeopphold etter avtale med Helse Nord RHF.",
     ["hoftebrudd", "hjerneslag"], [], 30),
    ("skibotn", "5.1", "Døgnrehabilitering, Skibotn Helse og rehabilitering",
     "Opphold for lunge- og hjertepasienter.", ["lungesykdom-covid"], [], 40),
    ("vigor", "5.1", "Døgnrehabilitering, ViGØR",
     "Opphold etter ortopedisk behandling og for kreftrehabilitering.",
     ["hoftebrudd", "kreft"], [], 45),
    ("avonova", "5.1", "Rehabiliteringsopphold, Avonova",
     "Opphold i Bodø og Tromsø.", ["kreft", "lungesykdom-covid"], [], 30),
    ("valnesfjord", "5.1", "Rehabiliteringsopphold, Valnesfjord Helsesportsenter",
     "Aktivitetsbasert rehabilitering, også for barn og unge.",
     ["barn-og-unge", "ms-nevrologi", "hjerneslag"], [], 40),
    ("nordtun", "5.1", "Døgnrehabilitering, Nordtun HelseRehab",
     "Tverrfaglige opphold for nevrologiske pasienter.", ["hjerneslag", "ms-nevrologi"],
     [], 25),
    ("helgeland-rehabilitering", "5.1", "Rehabiliteringsopphold, Helgeland Rehabilitering Sømna",
     "Individuelle opphold og gruppeopphold.", ["kreft", "lungesykdom-covid"], [], 25),
    # 5.2 Spesialisert rehabilitering i sykehus
    ("unn-tromso", "5.2", "Rehabiliteringsavdelingen, UNN Tromsø",
     "Døgn- og dagrehabilitering ved fysikalsk medisin og rehabilitering.",
     ["hjerneslag", "ms-nevrologi", "hoftebrudd"], [], 24),
    ("unn-narvik", "5.2", "Fysikalsk medisin og rehabilitering, UNN Narvik",
     "Seksjon Tromsø/Narvik: døgnrehabilitering.", ["hjerneslag", "hoftebrudd"], [], 10),
    ("nlsh-bodo", "5.2", "Rehabiliteringsavdelingen, Nordlandssykehuset Bodø",
     "Døgnrehabilitering for pasienter som trenger sykehusets medisinske oppfølging.",
     ["hjerneslag", "ms-nevrologi"], [], 16),
    ("hsyk-mo-i-rana", "5.2", "Rehabiliteringsenheten, Helgelandssykehuset Mo i Rana",
     "Tverrfaglig døgnrehabilitering.", ["hjerneslag", "hoftebrudd"], [], 8),
    # 5.3 Høyspesialisert (regional) rehabilitering
    ("unn-tromso", "5.3", "Nevromuskulært kompetansesenter (NMK), UNN",
     "Vurderingsopphold og to ukers individuelt rehabiliteringsopphold (seed 001 §3.2).",
     ["nevromuskulaer"], [], 4),
    ("unn-tromso", "5.3", "Regional rehabilitering etter alvorlig skade, UNN Tromsø",
     "Regionale prioriterte grupper: alvorlig traumatisk hjerneskade, ryggmargsskade i tidlig "
     "fase, multitraume og traumatisk amputasjon.", ["traumatisk-hjerneskade"], [], 6),
]

# Every demo hospital's departments and wards (registry data: in production imported with
# `manage.py import_wards` or kept in the admin): (department, ward, short code).
DEMO_WARDS = [
    ("Medisinsk avdeling", "Medisinsk sengepost", "MED"),
    ("Nevrologisk avdeling", "Slagenheten", "SLAG"),
    ("Ortopedisk avdeling", "Ortopedisk sengepost", "ORT"),
    ("Geriatrisk avdeling", "Geriatrisk sengepost", "GER"),
]
# Wards only the university hospital has.
HOSPITAL_WARDS = {
    "unn-tromso": [("Nevrologisk avdeling", "Nevrologisk sengepost", "NEVR"),
                   ("Fysikalsk medisin og rehabilitering", "Rehabiliteringssengepost",
                    "REHAB")],
}

# username, given name, family name, organisation key, role, own ward (its code at the
# organisation, or ""). Password: f"{username}-demo".
DEMO_USERS = [
    ("planlegger.unn", "Pia", "Planlegger", "unn-tromso", "discharge_planner", "SLAG"),
    ("ke.tromso", "Kåre", "Kvaløy", "tromso", "ke_staff", ""),
    ("koordinator.tromso", "Kora", "Koordinator", "tromso", "coordinator", ""),
    ("koordinator2.tromso", "Frida", "Fjellheim", "tromso", "coordinator", ""),
    ("ke.bodo", "Bjørn", "Bodin", "bodo", "ke_staff", ""),
    ("planlegger.nlsh", "Nils", "Nordland", "nlsh-bodo", "discharge_planner", "ORT"),
    ("ke.unn", "Unni", "Utskrivning", "unn", "ke_staff", ""),
    ("admin.tromso", "Anne", "Administrator", "tromso", "org_admin", ""),
]
SUPERUSER = "admin"


# The EPJ system's API client at UNN Tromsø, with a published demo key. The published
# passwords (demo_password) and key live in registry.demo_credentials, which refuses them
# where demo data is not allowed.
API_CLIENT_ORGANIZATION = "unn-tromso"
API_CLIENT_NAME = "DIPS Arena, UNN Tromsø (demo)"

# Fictitious patients. key, given name, family name, birth date, municipality key,
# registered by (username, organisation key), further care relationships
# [(organisation key, reason, personal user or "")], next of kin.
PATIENTS = [
    ("astrid", "Astrid", "Aune", datetime.date(1948, 3, 14), "tromso",
     ("planlegger.unn", "unn-tromso"),
     [("tromso", "residence", ""), ("tromso", "coordination", "koordinator.tromso")],
     [{"name": "Ola Aune", "relation": "sønn", "consent_to_share": True}]),
    ("tor", "Tor", "Tindvik", datetime.date(1939, 11, 2), "tromso",
     ("ke.tromso", "tromso"), [], []),
    ("berit", "Berit", "Bakken", datetime.date(1956, 6, 21), "bodo",
     ("planlegger.nlsh", "nlsh-bodo"), [("bodo", "residence", "")],
     [{"name": "Per Bakken", "relation": "ektefelle", "consent_to_share": False}]),
    ("johan", "Johan", "Hansen", datetime.date(1944, 1, 30), "karlsoy",
     ("planlegger.unn", "unn-tromso"), [("karlsoy", "residence", "")], []),
    ("ragnhild", "Ragnhild", "Nilsen", datetime.date(1971, 9, 5), "senja",
     ("planlegger.unn", "unn-tromso"), [("senja", "residence", "")], []),
    ("emma", "Emma", "Eriksen", datetime.date(2015, 8, 19), "alta",
     ("planlegger.unn", "unn-tromso"), [("alta", "residence", "")],
     [{"name": "Sara Eriksen", "relation": "mor", "consent_to_share": True}]),
    ("leif", "Leif", "Pedersen", datetime.date(1952, 12, 8), "bodo",
     ("ke.bodo", "bodo"), [], []),
]


# Stays at UNN Tromsø for seed_demo, each stopped at a different step of the pathway:
# (patient key, ward code, hours since admission, step reached). Two stroke patients on the
# stroke unit, where the demo planner's board opens.
ADMISSIONS = [
    ("johan", "SLAG", 3, "admitted"),
    ("ragnhild", "ORT", 20, "notified"),
    ("astrid", "SLAG", 72, "ready"),
    ("tor", "GER", 40, "discharged"),
]
ADMISSION_REASONS = {
    "johan": "Hjerneslag, venstresidig svakhet.",
    "ragnhild": "Hoftebrudd etter fall.",
    "astrid": "Hjerneslag med afasi.",
    "tor": "Lungebetennelse og funksjonsfall.",
}
EXPECTED_COURSE = "Forventet stabil bedring; vurderes for rehabilitering i kommunen."

# Early supported discharge (tidlig støttet utskriving, issue 15 § 4) for Astrid, admitted
# to the stroke unit with aphasia and ready for discharge: the team's assessment on the ward
# is done, the home visits, the day unit and Tromsø's visits are coming. (patient key,
# variant code, [(activity code, hours from now, done, note)]); each side plans its own.
HOME_REHABILITATION = ("astrid", "tidlig-stottet-utskriving", [
    ("kartlegging", -1, True, "Lett afasi og nedsatt kraft i høyre hånd; går uten "
                              "hjelpemidler. Bor i 2. etasje uten heis."),
    ("hjemmebesok", 3 * 24 + 10, False, "Trappetrening og gjennomgang av hjemmet."),
    ("hjemmetjeneste", 3 * 24 + 16, False, "Tilsyn og hjelp til medisiner."),
    ("dagavdeling", 5 * 24 + 9, False, "Logopedi, fysio- og ergoterapi på dagavdelingen."),
    ("hverdagsrehabilitering", 7 * 24 + 11, False, "Mål: handle selv på butikken."),
])
