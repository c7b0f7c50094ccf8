"""One open request of each kind, and one open plan, per patient and municipality, in the
database: the services checked it before inserting, but two requests at the same moment both
passed the check.

Rows that two such races left behind are handled before the constraints are added:
- Duplicate open requests (same patient, municipality and kind) are the same notice of need
  twice and carry nothing of their own yet (a plan is only opened on acceptance). The one
  furthest along (under assessment before received), then the first received (the waiting
  time counts from it), stays open; each other one is closed as declined, with a reason
  naming the request it duplicates, so the KE sees what happened and nothing is deleted.
- Duplicate open plans carry goals, measures, consents and a coordinator each: which one goes
  on is the KE's decision, not the migration's. The migration stops before changing anything
  and names the plans; close (or decline) all but one on the plan page, then migrate again.
"""

from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone

OPEN_REQUEST = ["received", "under_assessment"]
OPEN_PLAN = ["requested", "in_preparation", "active", "under_evaluation"]


class DuplicateOpenPlans(Exception):
    pass


def resolve_duplicates(apps, schema_editor):
    PlanRequest = apps.get_model("coordination", "PlanRequest")
    IndividualPlan = apps.get_model("coordination", "IndividualPlan")
    plans = (IndividualPlan.objects.filter(status__in=OPEN_PLAN)
             .values("patient_id", "municipality_id").annotate(n=Count("pk")).filter(n__gt=1))
    if plans:
        groups = []
        for group in plans:
            uuids = IndividualPlan.objects.filter(
                status__in=OPEN_PLAN, patient_id=group["patient_id"],
                municipality_id=group["municipality_id"]).order_by("created_at", "pk")
            groups.append(", ".join(str(uuid) for uuid in uuids.values_list("uuid", flat=True)))
        raise DuplicateOpenPlans(
            "A patient has more than one open individual plan in the same municipality; the "
            "KE must close (or decline) all but one of each group before this migration can "
            "add the one-open-plan constraint. Plans, grouped: " + "; ".join(groups))

    duplicates = (PlanRequest.objects.filter(status__in=OPEN_REQUEST)
                  .values("patient_id", "municipality_id", "kind")
                  .annotate(n=Count("pk")).filter(n__gt=1))
    now = timezone.now()
    for group in duplicates:
        requests = list(PlanRequest.objects.filter(
            status__in=OPEN_REQUEST, patient_id=group["patient_id"],
            municipality_id=group["municipality_id"], kind=group["kind"]))
        requests.sort(key=lambda r: (r.status != "under_assessment", r.received_at, r.pk))
        kept = requests[0]
        for request in requests[1:]:
            request.status = "declined"
            request.decided_at = now
            request.decline_reason = (
                f"Duplicate of request {kept.uuid} (received {kept.received_at:%Y-%m-%d}), "
                "which stays open; closed when the portal began to allow one open request "
                "of each kind.")
            request.version += 1
            request.updated_at = now
            request.save(update_fields=["status", "decided_at", "decline_reason", "version",
                                        "updated_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('coordination', '0003_versions'),
    ]

    operations = [
        migrations.RunPython(resolve_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='planrequest',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['received', 'under_assessment'])), fields=('patient', 'municipality', 'kind'), name='one_open_request_per_kind'),
        ),
        migrations.AddConstraint(
            model_name='individualplan',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['requested', 'in_preparation', 'active', 'under_evaluation'])), fields=('patient', 'municipality'), name='one_open_plan_per_municipality'),
        ),
    ]
