"""Builders for the pathway variants' tests (early supported discharge and the like): the
variants their migration seeds, an enrolment of the cast's shared patient at UNN, and its
activities, all through pathways.services."""

import datetime
import importlib

from django.apps import apps
from django.utils import timezone

from pathways import services
from pathways.models import PathwayVariant, VariantActivityKind
from tests.factories import admit

ESD = "tidlig-stottet-utskriving"
CANCER_HOME = "pakkeforlop-hjem-kreft"


def ensure_variants() -> None:
    """The variants as their migration made them: a transactional test may start after
    another one flushed them."""
    if not PathwayVariant.objects.filter(code=ESD).exists():
        migration = importlib.import_module("pathways.migrations.0018_pathway_variants")
        migration.create_variants(apps, None)


def variant(code: str = ESD) -> PathwayVariant:
    ensure_variants()
    return PathwayVariant.objects.get(code=code)


def kind(code: str, variant_code: str = ESD) -> VariantActivityKind:
    return VariantActivityKind.objects.get(variant__code=variant_code, code=code)


def enrolment(cast, admission=None, *, by=None, code: str = ESD, **fields):
    """The shared patient (admitted at UNN unless an admission is given) in the variant."""
    return services.enrol(admission or admit(cast), by=by or cast.planner,
                          variant=variant(code), **fields)


def activity(cast, enrolment, code: str = "hjemmebesok", *, by=None, days_ahead: float = 2,
             **fields):
    """An activity of the enrolment's variant, planned by its side (the planner for the
    team's, Tromsø's KE for the municipality's)."""
    activity_kind = kind(code, enrolment.variant.code)
    if by is None:
        by = cast.planner if activity_kind.side == "hospital_team" else cast.ke_tromso
    fields.setdefault("scheduled_at", timezone.now() + datetime.timedelta(days=days_ahead))
    return services.schedule_activity(enrolment, by=by, kind=activity_kind, **fields)
