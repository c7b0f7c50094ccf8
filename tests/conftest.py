"""The fixed cast (STYLE.md): a discharge planner at UNN, KE staff and a coordinator in
Tromsø, and KE staff in Bodø as the outsider; plus the patients they do or do not share."""

import os
from types import SimpleNamespace

import pytest
from django.test.utils import override_settings

from pathways.models import CareRelationshipReason
from registry.models import OrganizationKind, Role

from . import factories

IN_CI = os.environ.get("REHAB_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str):
    """A missing service skips locally; in CI (REHAB_REQUIRE_SERVICES=1) it fails the run."""
    if IN_CI:
        pytest.fail(f"required service missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def private_media_root(tmp_path_factory):
    """Files the portal stores (plan PDFs) go to a temporary folder, not the tree's var/."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (the cache) do not carry over from one test to the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in bokmål: a request in English (LocaleMiddleware activates a language
    and leaves it active in the thread) must not make the next test's PDF or e-mail English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_reference_data():
    """A test's rows are rolled back without a signal: the next test must not see the levels
    or daily rates it saved (registry.reference), as Django clears its content types."""
    from registry.reference import forget_all

    yield
    forget_all()


@pytest.fixture
def cast(db):
    rhf = factories.organization(OrganizationKind.REGIONAL_HEALTH_AUTHORITY, "Helse Nord RHF")
    unn_hf = factories.organization(OrganizationKind.HEALTH_TRUST,
                                    "Universitetssykehuset Nord-Norge HF", parent=rhf)
    unn = factories.organization(OrganizationKind.HOSPITAL, "UNN Tromsø", parent=unn_hf)
    tromso = factories.organization(name="Tromsø", municipality_number="5501", population=78_745)
    bodo = factories.organization(name="Bodø", municipality_number="1804", population=53_712)

    planner = factories.user("planner", unn, Role.DISCHARGE_PLANNER,
                             first_name="Pia", last_name="Planlegger")
    ke_tromso = factories.user("ke_tromso", tromso, Role.KE_STAFF,
                               first_name="Kåre", last_name="Tromsø")
    coordinator = factories.user("coordinator", tromso, Role.COORDINATOR,
                                 first_name="Kora", last_name="Koordinator")
    ke_bodo = factories.user("ke_bodo", bodo, Role.KE_STAFF, first_name="Bjørn", last_name="Bodø")

    # Admitted at UNN, resident in Tromsø, coordinated by the coordinator.
    shared = factories.patient(planner, "Astrid", "Aune", municipality=tromso)
    factories.relate(shared, tromso, planner, CareRelationshipReason.RESIDENCE)
    factories.relate(shared, tromso, ke_tromso, CareRelationshipReason.COORDINATION,
                     user=coordinator)
    # Known only to Tromsø's KE.
    tromso_only = factories.patient(ke_tromso, "Tor", "Tindvik", municipality=tromso)
    # Known only to Bodø.
    bodo_only = factories.patient(ke_bodo, "Berit", "Bakken", municipality=bodo)

    return SimpleNamespace(
        rhf=rhf, unn_hf=unn_hf, unn=unn, tromso=tromso, bodo=bodo,
        planner=planner, ke_tromso=ke_tromso, coordinator=coordinator, ke_bodo=ke_bodo,
        shared=shared, tromso_only=tromso_only, bodo_only=bodo_only,
    )
