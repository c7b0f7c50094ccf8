"""Hand-made figures for the read-model tests: a small Helse Nord of two health trusts, five
municipalities and three hospitals around the cast, catalogue entries of each unit, and
Figure and PopulationFigure rows written directly (the computation is tested elsewhere)."""

import datetime
import itertools
from types import SimpleNamespace

from django.utils import timezone

from indicators.models import Figure, Indicator, PopulationFigure, PopulationKind
from registry.models import CooperationAgreement, OrganizationKind
from tests import factories

_codes = itertools.count(1)


def indicator(unit: str, code: str | None = None, **fields) -> Indicator:
    code = code or f"test-{unit.replace('_', '-')}-{next(_codes)}"
    defaults = {"name": f"Testindikator {code}", "name_en": f"Test indicator {code}",
                "definition": "Andel av noe.", "numerator": "Teller.",
                "denominator": "Nevner.", "direction": "higher",
                "computation": "notice_on_time", "sort_order": 900}
    defaults.update(fields)
    return Indicator.objects.create(code=code, unit=unit, **defaults)


def figure(indicator: Indicator, month: datetime.date | str, number: str, numerator=0,
           denominator=0, *, hospital=None, histogram=None, dimension="") -> Figure:
    if isinstance(month, str):
        month = datetime.date.fromisoformat(f"{month}-01")
    return Figure.objects.create(
        indicator=indicator, month=month, municipality_number=number, hospital=hospital,
        dimension=dimension, numerator=numerator, denominator=denominator,
        histogram=histogram, computed_at=timezone.now())


def population(number: str, year: int, value: int, kind=PopulationKind.REGISTERED,
               name="") -> PopulationFigure:
    return PopulationFigure.objects.create(
        municipality_number=number, municipality_name=name, year=year, kind=kind,
        population=value, table="07459" if kind == PopulationKind.REGISTERED else "13600",
        variant="" if kind == PopulationKind.REGISTERED else "MMMM",
        source="SSB, tabell 07459 (test)" if kind == PopulationKind.REGISTERED
        else "SSB, tabell 13600 (test)")


def region(cast) -> SimpleNamespace:
    """UNN HF (Tromsø 5501, Balsfjord 5532, Karlsøy 5534; hospitals UNN Tromsø and UNN
    Harstad) and Nordlandssykehuset HF (Bodø 1804, Saltdal 1840; hospital NLSH Bodø)."""
    nlsh_hf = factories.organization(OrganizationKind.HEALTH_TRUST, "Nordlandssykehuset HF",
                                     parent=cast.rhf)
    nlsh = factories.organization(OrganizationKind.HOSPITAL, "NLSH Bodø", parent=nlsh_hf)
    harstad = factories.organization(OrganizationKind.HOSPITAL, "UNN Harstad",
                                     parent=cast.unn_hf)
    balsfjord = factories.organization(name="Balsfjord", municipality_number="5532",
                                       population=5_600)
    karlsoy = factories.organization(name="Karlsøy", municipality_number="5534",
                                     population=2_200)
    saltdal = factories.organization(name="Saltdal", municipality_number="1840",
                                     population=4_600)
    for trust, municipality in ((cast.unn_hf, cast.tromso), (cast.unn_hf, balsfjord),
                                (cast.unn_hf, karlsoy), (nlsh_hf, cast.bodo),
                                (nlsh_hf, saltdal)):
        CooperationAgreement.objects.create(health_trust=trust, municipality=municipality,
                                            early_notification_hours=24)
    return SimpleNamespace(unn_hf=cast.unn_hf, nlsh_hf=nlsh_hf, unn=cast.unn, harstad=harstad,
                           nlsh=nlsh, tromso=cast.tromso, balsfjord=balsfjord,
                           karlsoy=karlsoy, bodo=cast.bodo, saltdal=saltdal, rhf=cast.rhf)
