"""The version history lists a measure's or a plan's changed fields in the order the plan
reads, whatever order the stored snapshot's keys come back in (PostgreSQL's jsonb returns them
shortest first)."""

from coordination import diff


def measure(**fields):
    row = {"id": "m1", "goal": None, "service": None, "level": None, "description": "",
           "responsible_person": "", "responsible_organization": None, "extent": "",
           "starts_on": None, "ends_on": None, "status": "planned", "position": 0}
    row.update(fields)
    return dict(sorted(row.items(), key=lambda item: (len(item[0]), item[0])))  # as jsonb


def test_a_measures_changes_come_in_the_forms_order_not_the_stored_keys():
    before = {"measures": [measure(description="Trening to ganger i uka",
                                   extent="30 minutter")]}
    after = {"measures": [measure(description="Styrketrening tre ganger i uka",
                                  extent="45 minutter", service="Frisklivssentralen",
                                  level="1")]}
    assert [c.field for c in diff.diff_snapshots(before, after)] == [
        "service", "level", "description", "extent"]


def test_the_plans_changes_come_in_the_pages_order():
    before = {"plan": {"period_end": None, "what_matters": "Gå tur", "other_agencies": ""}}
    after = {"plan": {"period_end": "2027-01-05", "what_matters": "Gå tur med hunden",
                      "other_agencies": "NAV"}}
    assert [c.field for c in diff.diff_snapshots(before, after)] == [
        "what_matters", "other_agencies", "period_end"]
