"""`manage.py check --deploy` refuses the demo login outside development and warns when no
ID-porten client is configured (the patient's door would have no way in)."""

import copy

from django.conf import settings
from django.test import override_settings

from citizen.checks import citizens_have_a_way_in, demo_login_refused_in_production


def _providers(**idporten):
    providers = copy.deepcopy(settings.CITIZEN_OIDC_PROVIDERS)
    providers["idporten"].update(idporten)
    return providers


@override_settings(DEBUG=False, CITIZEN_DEMO_LOGIN=True)
def test_the_demo_login_is_an_error_outside_development():
    assert [e.id for e in demo_login_refused_in_production(None)] == ["citizen.E001"]


@override_settings(DEBUG=False, CITIZEN_DEMO_LOGIN=False)
def test_no_error_without_the_demo_login():
    assert demo_login_refused_in_production(None) == []


@override_settings(CITIZEN_DEMO_LOGIN=False)
def test_a_warning_when_citizens_have_no_way_in():
    with override_settings(CITIZEN_OIDC_PROVIDERS=_providers(metadata_url="", client_id="")):
        assert [w.id for w in citizens_have_a_way_in(None)] == ["citizen.W001"]
    with override_settings(CITIZEN_OIDC_PROVIDERS=_providers(
            metadata_url="https://test.idporten.no/.well-known/openid-configuration",
            client_id="rehab-portal")):
        assert citizens_have_a_way_in(None) == []
