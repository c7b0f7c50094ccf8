"""The referral world on top of the fixed cast: a GP office in Tromsø with its GP, the
region's assessment unit (RVE) with an assessor and its lead, two private institutions with
a 5.1 service each (Valnesfjord and Skibotn) and Valnesfjord's assessor, and a patient the
GP follows (resident in Tromsø)."""

import datetime
from types import SimpleNamespace

import pytest

from registry.models import OrganizationKind, Role
from tests import factories


def referral_world(cast) -> SimpleNamespace:
    gp_office = factories.organization(OrganizationKind.GP_OFFICE, "Tromsø legesenter")
    gp = factories.user("gp", gp_office, Role.GP, first_name="Gunn", last_name="Fastlege")
    rve = factories.organization(OrganizationKind.ASSESSMENT_UNIT,
                                 "Regional vurderingsenhet, UNN", parent=cast.unn_hf)
    rve_assessor = factories.user("rve_assessor", rve, Role.REFERRAL_ASSESSOR,
                                  first_name="Rita", last_name="Vurdering")
    rve_lead = factories.user("rve_lead", rve, Role.UNIT_LEAD, first_name="Leif",
                              last_name="Leder")
    valnesfjord = factories.organization(OrganizationKind.PRIVATE_INSTITUTION,
                                         "Valnesfjord Helsesportssenter")
    skibotn = factories.organization(OrganizationKind.PRIVATE_INSTITUTION, "Skibotnsenteret")
    valnesfjord_assessor = factories.user("valnesfjord_assessor", valnesfjord,
                                          Role.REFERRAL_ASSESSOR, first_name="Vera",
                                          last_name="Valnes")
    valnesfjord_rehab = factories.service(valnesfjord, "5.1", "Valnesfjord: rehabilitering "
                                          "etter hjerneslag")
    skibotn_rehab = factories.service(skibotn, "5.1", "Skibotn: rehabilitering")
    patient = factories.patient(gp, "Gerd", "Grønli", municipality=cast.tromso,
                                birth_date=datetime.date(1952, 4, 2))
    return SimpleNamespace(
        gp_office=gp_office, gp=gp, rve=rve, rve_assessor=rve_assessor, rve_lead=rve_lead,
        valnesfjord=valnesfjord, skibotn=skibotn, valnesfjord_assessor=valnesfjord_assessor,
        valnesfjord_rehab=valnesfjord_rehab, skibotn_rehab=skibotn_rehab, patient=patient)


@pytest.fixture
def world(cast):
    return referral_world(cast)
