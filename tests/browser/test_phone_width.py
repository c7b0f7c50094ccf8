"""Every main page on a phone (390 px wide, as an iPhone 12-15): the page itself never
scrolls sideways (a wide table scrolls in its own box), and nothing is refused or logged."""

import datetime

import pytest
from django.utils import timezone

from pathways import services
from tests.factories import admit

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}

# The page's own width against the window's; for the message, the elements that stick out
# past the window, with their position (an absolutely placed one escapes a scrolling box
# that is not its containing block).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter(element => element.getBoundingClientRect().right > width + 1)
    .slice(-5).map(element => element.tagName.toLowerCase() + "."
                   + [...element.classList].join(".") + " "
                   + getComputedStyle(element).position + " right "
                   + Math.round(element.getBoundingClientRect().right) + "px");
  return {page: document.documentElement.scrollWidth, window: width, wide: wide};
}"""


@pytest.fixture
def archived(cast, pathway):
    """A notice never acknowledged of a patient who has gone home: a row of the archive."""
    admission = admit(cast, cast.tromso_only, hours_ago=80)
    services.send_early_notification(admission, by=cast.planner)
    services.discharge_patient(admission, by=cast.planner, destination="home",
                               discharged_at=timezone.now() - datetime.timedelta(hours=2))
    return admission


def assert_fits(visitor, path):
    visitor.visit(path)
    measured = visitor.page.evaluate(OVERFLOW)
    assert measured["page"] <= measured["window"], (path, measured)


def test_the_hospitals_pages_fit_a_phone(live_server, pathway, visitor):
    planner = visitor(**PHONE)
    planner.sign_in("planner", "/ward/")
    for path in ["/", "/ward/", f"/patients/{pathway['admission'].patient.uuid}/pathway/",
                 f"/meetings/{pathway['meeting'].uuid}/", "/notifications/", "/patients/"]:
        assert_fits(planner, path)


def test_the_municipalitys_pages_fit_a_phone(live_server, pathway, archived, visitor):
    ke = visitor(**PHONE)
    ke.sign_in("ke_tromso", "/inbox/ke/")
    ke.visit("/inbox/ke/archive/")
    assert ke.page.get_by_text(archived.patient.full_name).count() >= 1
    for path in ["/inbox/ke/", "/inbox/ke/archive/", "/ke/overview/",
                 f"/plans/{pathway['plan'].uuid}/", "/notifications/", "/services/"]:
        assert_fits(ke, path)
