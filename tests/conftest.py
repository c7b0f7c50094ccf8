"""The fixed cast (STYLE.md): a discharge planner at UNN, KE staff and a coordinator in
Tromsø, and KE staff in Bodø as the outsider; plus the patients they do or do not share."""

import os

import pytest
from django.test.utils import override_settings

from . import factories

IN_CI = os.environ.get("REHAB_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str):
    """A missing service skips locally; in CI (REHAB_REQUIRE_SERVICES=1) it fails the run."""
    if IN_CI:
        pytest.fail(f"required service missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def private_media_root(tmp_path_factory):
    """Files the portal stores (plan PDFs) and the PLO folder transport's go to temporary
    folders, not the tree's var/."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
                           PLO_FOLDER=str(tmp_path_factory.mktemp("plo"))):
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
    return factories.cast()
