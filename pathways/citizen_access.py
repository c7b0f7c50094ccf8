"""Which patients a signed-in citizen may see, and which parts: the one place that decides it
for the citizen's door (the citizen app's pages and the services they call).

- The patient sees everything of their own.
- A representative sees the parts their live representation names (plan, meetings,
  messages). A parent's ends on the child's 16th birthday (AGE_OF_HEALTH_CONSENT), whatever
  the row says; a withdrawn one at once.
- Only the patient sees the access log, their consents and their representatives, and
  answers the experience survey: those are the patient's own rights. Only the patient sees
  their referrals, too: no grant names them.

Staff are never citizens (User.is_citizen) and get nothing here; a citizen gets nothing from
Patient.objects.visible_to (no care relationship names them)."""

import datetime
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from .models import (
    AGE_OF_HEALTH_CONSENT,
    Citizen,
    Patient,
    Representation,
    RepresentationKind,
    RepresentationScope,
)

# The parts only the patient sees, beside the representable ones (RepresentationScope).
# Referrals too: a representative's grant names plan, meetings and messages, never them.
OWN_ONLY = frozenset({"log", "consents", "representatives", "survey", "self_report",
                      "referrals"})
ALL_PARTS = frozenset(RepresentationScope.values) | OWN_ONLY


@dataclass(frozen=True)
class CitizenAccess:
    """A citizen's door to one patient: as the patient (representation None) or as their
    representative, with the parts they may see."""

    patient: Patient
    representation: Representation | None
    parts: frozenset[str]

    @property
    def is_patient(self) -> bool:
        return self.representation is None

    def allows(self, part: str) -> bool:
        return part in self.parts


def years_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month,
                                                                  birth_date.day))


def citizen_of(user) -> Citizen | None:
    if not (user and user.is_authenticated and getattr(user, "is_citizen", False)):
        return None
    if "_citizen" not in user.__dict__:
        user.__dict__["_citizen"] = Citizen.objects.filter(user_id=user.pk).first()
    return user.__dict__["_citizen"]


def _representation_live(representation: Representation, today: datetime.date) -> bool:
    if representation.kind == RepresentationKind.PARENT:
        return years_on(representation.patient.birth_date, today) < AGE_OF_HEALTH_CONSENT
    return True


def accesses(user) -> list[CitizenAccess]:
    """Every patient the citizen may see: themself first (if a patient), then those they
    represent. Read once per request (two queries)."""
    cached = user.__dict__.get("_citizen_accesses") if user is not None else None
    if cached is not None:
        return cached
    citizen = citizen_of(user)
    result = []
    if citizen is not None:
        own = Patient.objects.filter(identity_number=citizen.identity_number).select_related(
            "municipality").first()
        if own is not None:
            result.append(CitizenAccess(own, None, ALL_PARTS))
        today = timezone.localdate()
        for representation in (Representation.objects.live()
                               .filter(representative_identity_number=citizen.identity_number)
                               .select_related("patient__municipality")
                               .order_by("patient__family_name", "patient__given_name", "pk")):
            if _representation_live(representation, today) and representation.scopes:
                result.append(CitizenAccess(representation.patient, representation,
                                            representation.scopes))
        user.__dict__["_citizen_accesses"] = result
    return result


def access_to(user, patient_uuid, part: str | None = None) -> CitizenAccess:
    """The citizen's door to this patient (with `part`, to that part of it), or 404: a patient
    outside it, or a part not granted, does not exist for them."""
    for access in accesses(user):
        if str(access.patient.uuid) == str(patient_uuid):
            if part is None or access.allows(part):
                return access
            break
    raise Http404


def require_part(user, patient: Patient, part: str) -> CitizenAccess:
    """For services: the citizen may act on this patient's `part`, or PermissionDenied."""
    from django.core.exceptions import PermissionDenied

    for access in accesses(user):
        if access.patient.pk == patient.pk and access.allows(part):
            return access
    raise PermissionDenied("Not your patient's door.")


def forget(user) -> None:
    """After a write that changes who represents whom: read it again on the next ask."""
    user.__dict__.pop("_citizen_accesses", None)
