"""The demo's population and areas (indicators/demo_population.py, on demo_data_seeded): the
shipped SSB figures under each demo municipality's current number, a cooperation agreement
between each municipality and its health trust, and where hospitals and institutions lie."""

from io import StringIO

import pytest
from django.core.management import call_command

from indicators.demo_population import set_demo_populations
from indicators.models import PopulationFigure
from indicators.population import import_shipped
from pathways import demo_data as demo
from pathways.deadlines import early_notification_hours
from registry.models import CooperationAgreement, Organization, OrganizationKind, ServiceOffering
from tests import factories

pytestmark = pytest.mark.django_db

TRUSTS = {
    "Universitetssykehuset Nord-Norge HF": {"Tromsø", "Harstad", "Senja", "Balsfjord",
                                            "Karlsøy", "Narvik"},
    "Finnmarkssykehuset HF": {"Alta", "Hammerfest", "Sør-Varanger", "Loppa", "Nordkapp"},
    "Nordlandssykehuset HF": {"Bodø", "Fauske", "Sørfold", "Vestvågøy", "Hadsel"},
    "Helgelandssykehuset HF": {"Sømna", "Alstahaug", "Vefsn", "Rana"},
}
LOCATED = {
    "UNN Tromsø": "Tromsø", "UNN Harstad": "Harstad", "UNN Narvik": "Narvik",
    "Nordlandssykehuset Bodø": "Bodø", "Nordlandssykehuset Lofoten": "Vestvågøy",
    "Nordlandssykehuset Vesterålen": "Hadsel", "Hammerfest sykehus": "Hammerfest",
    "Klinikk Kirkenes": "Sør-Varanger", "Helgelandssykehuset Mo i Rana": "Rana",
    "Helgelandssykehuset Mosjøen": "Vefsn", "Helgelandssykehuset Sandnessjøen": "Alstahaug",
    "Valnesfjord Helsesportsenter": "Fauske", "Helgeland Rehabilitering Sømna": "Sømna",
    "Opptreningssenteret i Finnmark": "Alta", "ViGØR": "Tromsø", "Avonova": "Bodø",
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed()


def municipality(name) -> Organization:
    return Organization.objects.get(kind=OrganizationKind.MUNICIPALITY, name=name)


def test_demo_municipalities_get_ssbs_figure_under_their_current_number(seeded):
    tromso = municipality("Tromsø")  # 5501 since 2024; SSB's figure is 5401's of 2022
    assert tromso.population == 77544
    assert tromso.population_source == (
        "SSB tabell 07459 via BergensTidende/bord4-data data/csv/norwegian_population.csv "
        "(commit def8009), NLOD 2.0; folketall 1.1.2022")
    assert municipality("Hammerfest").population == 11274  # 5406 → 5603
    assert municipality("Bodø").population == 52803
    assert "Population and areas in place: 20 municipalities' population" in seeded
    assert municipality("Hadsel").population == 8107  # 1866 (1867 is Bø), 1.1.2022
    assert PopulationFigure.objects.count() == 7737


def test_a_number_ssb_gives_another_name_keeps_the_demos_own_figure():
    import_shipped()
    hadsel = factories.organization(name="Hadsel", municipality_number="1867", population=8100,
                                    population_source="the demo's")  # 1867 is Bø
    vefsn = factories.organization(name="Vefsn", municipality_number="1824", population=1,
                                   population_source="the demo's")
    count, kept = set_demo_populations([hadsel, vefsn])
    assert (count, kept) == (1, ["Hadsel (1867 is Bø in SSB's table)"])
    hadsel.refresh_from_db()
    vefsn.refresh_from_db()
    assert (hadsel.population, hadsel.population_source) == (8100, "the demo's")
    assert vefsn.population == 13233 and "1.1.2022" in vefsn.population_source


def test_every_demo_municipality_has_an_agreement_with_its_health_trust(seeded):
    agreed = {}
    for agreement in CooperationAgreement.objects.select_related("health_trust",
                                                                 "municipality"):
        agreed.setdefault(agreement.health_trust.name, set()).add(agreement.municipality.name)
        assert agreement.early_notification_hours == 24
    assert agreed == TRUSTS
    assert sum(len(names) for names in TRUSTS.values()) == len(demo.MUNICIPALITIES)
    unn_tromso = Organization.objects.get(name="UNN Tromsø")
    assert early_notification_hours(unn_tromso, municipality("Karlsøy")) == 24


def test_a_residents_services_are_those_of_the_trust_it_has_an_agreement_with(seeded):
    names = set(ServiceOffering.objects.active().can_serve(municipality("Tromsø"))
                .values_list("name", flat=True))
    assert "Rehabiliteringsavdelingen, UNN Tromsø" in names
    assert "Rehabiliteringsavdelingen, Nordlandssykehuset Bodø" not in names
    bodo = set(ServiceOffering.objects.active().can_serve(municipality("Bodø"))
               .values_list("name", flat=True))
    assert "Rehabiliteringsavdelingen, Nordlandssykehuset Bodø" in bodo
    # Private institutions in the region serve everyone.
    assert "Døgnrehabilitering, ViGØR" in names and "Døgnrehabilitering, ViGØR" in bodo


def test_hospitals_and_institutions_lie_in_their_municipality(seeded):
    placed = dict(Organization.objects.filter(located_in__isnull=False)
                  .values_list("name", "located_in__name"))
    assert placed == LOCATED
    # Skibotn (Storfjord) and Nordtun lie in municipalities the demo does not have.
    assert Organization.objects.get(name="Skibotn Helse og rehabilitering").located_in is None
    assert Organization.objects.get(name="Nordtun HelseRehab").located_in is None
    assert "Skibotn Helse og rehabilitering and Nordtun HelseRehab left without one" in seeded


def test_a_second_seed_leaves_what_an_administrator_changed(seeded):
    agreement = CooperationAgreement.objects.get(health_trust__name="Nordlandssykehuset HF",
                                                 municipality__name="Bodø")
    agreement.early_notification_hours = 12
    agreement.save()
    harstad = Organization.objects.get(name="UNN Harstad")
    harstad.located_in = municipality("Tromsø")
    harstad.save()
    again = seed()
    assert "0 cooperation agreements created, 0 hospitals and institutions placed" in again
    assert CooperationAgreement.objects.count() == len(demo.MUNICIPALITIES)
    agreement.refresh_from_db()
    harstad.refresh_from_db()
    assert agreement.early_notification_hours == 12
    assert harstad.located_in.name == "Tromsø"
    assert municipality("Tromsø").population == 77544


def test_the_shipped_import_writes_in_bulk(django_assert_max_num_queries):
    # The figures and the changes already there, then 7 737 figures and 462 changes in
    # batches (of 1 000, or as many as SQLite takes in one statement: 111 figures), so
    # the demo's seed loads them in well under a second.
    with django_assert_max_num_queries(7737 // 100 + 10):
        import_shipped()
    with django_assert_max_num_queries(4):  # a second time: read, compare, write nothing
        import_shipped()
