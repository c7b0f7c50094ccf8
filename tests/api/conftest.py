"""Clients for the API tests: signed in as a member of the cast, or with an API key."""

import pytest
from rest_framework.test import APIClient

from registry.models import ApiScope
from tests import factories

ALL_SCOPES = ApiScope.values


@pytest.fixture
def api():
    """api(user): a client signed in through the session, as a browser is; api(): anonymous."""

    def make(user=None, **kwargs):
        client = APIClient(**kwargs)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def epj(cast):
    """An EPJ system acting for Tromsø municipality, with its API key."""
    return factories.api_client(cast.tromso, "Gerica Tromsø")
