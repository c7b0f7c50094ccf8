"""Create: POST Encounter (an admission) and POST Communication (an early notification),
through the same services as the REST API. The body is validated as FHIR R4 first (400
naming the element), then mapped; the services' refusals are 403, 409 (state) or 422."""

import datetime
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fhir.resources.communication import Communication
from fhir.resources.encounter import Encounter

from pathways import access, services
from pathways.identity import parse_identity_number
from pathways.models import Admission, NoticeState, Patient
from registry.capabilities import Capability, can
from registry.models import Organization, OrganizationKind, ServiceLevel, Ward

from . import mapping as m
from .outcome import invalid, issue
from .search import reference_uuid
from .validation import InvalidResource, validate

ENCOUNTER_FIELDS = {
    "patient": "Encounter.subject", "identity_number": "Encounter.subject",
    "hospital": "Encounter.serviceProvider", "admitted_at": "Encounter.period.start",
    "ward": "Encounter.location", "reason": "Encounter.reasonCode",
    "municipality": "Encounter.subject", "given_name": "Encounter.subject",
    "family_name": "Encounter.subject", "birth_date": "Encounter.subject",
}
COMMUNICATION_FIELDS = {
    "admission": "Communication.encounter",
    "message_status": f"Communication.extension('{m.MESSAGE_STATUS_EXTENSION}')",
    "status": "Communication.status",
    **{field: "Communication.payload" for field in m.NOTICE_SECTIONS},
}


_MUST_REFER_TO = gettext_lazy("%(path)s must refer to a %(type)s.")
_NO_SUCH = gettext_lazy("%(path)s: no such %(type)s.")


def _reference_uuid(reference, resource_type: str, path: str) -> uuid.UUID | None:
    if reference is None or not reference.reference:
        return None
    return reference_uuid(reference.reference, resource_type, path, bare=False,
                          wrong_type=_MUST_REFER_TO, not_an_id=_NO_SUCH)


def _aware(value, path: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime) or value.tzinfo is None:
        raise invalid(_("%(path)s is a date and time with a time zone.") % {"path": path},
                      path)
    return value


def _hospital(user, reference) -> Organization:
    key = _reference_uuid(reference, "Organization", "Encounter.serviceProvider")
    if key is not None:
        hospital = Organization.objects.filter(uuid=key, kind=OrganizationKind.HOSPITAL).first()
        if hospital is None:
            raise invalid(_("%(path)s: no such hospital.") % {
                "path": "Encounter.serviceProvider"}, "Encounter.serviceProvider")
        return hospital
    hospital = access.acting_hospital(user)
    if hospital is None:
        raise invalid(_("You act for several hospitals: say which one admits the patient in "
                        "serviceProvider."), "Encounter.serviceProvider")
    return hospital


def _ward(user, encounter, hospital) -> Ward | None:
    """The hospital's registered ward that location[0].location names: by identifier (the
    ward's code, system WARD_CODE_SYSTEM, or its UUID), else by display (its code or name)."""
    named = ""
    for location in encounter.location or []:
        reference = location.location
        identifier = reference.identifier.value if reference.identifier else None
        named = (identifier or reference.display or "").strip()
        if named:
            break
    if not named:
        raise invalid(_("Name the ward in location[0].location.display."),
                      "Encounter.location")
    if not can(user, Capability.ACT_FOR_HOSPITAL, hospital):
        return None  # the service's 403 comes first: nothing about the hospital's wards
    wards = Ward.objects.filter(hospital=hospital)
    ward = wards.named_by(named) or next(
        (ward for ward in wards if ward.name.casefold() == named.casefold()), None)
    if ward is None:
        raise invalid(_("%(hospital)s has no ward %(ward)s: name one of its registered "
                        "wards by code or name.") % {"hospital": hospital.name, "ward": named},
                      "Encounter.location")
    return ward


def create_encounter(user, data) -> Admission:
    encounter = validate(Encounter, data, "Encounter")
    if encounter.status not in ("in-progress", "arrived"):
        raise invalid(_("An admission is created in-progress."), "Encounter.status")
    if encounter.class_fhir.code != "IMP":
        raise invalid(_("An admission is an inpatient encounter (class IMP)."),
                      "Encounter.class")
    if encounter.period is None or encounter.period.start is None:
        raise invalid(_("Give the time of admission in period.start."),
                      "Encounter.period.start")
    admitted_at = _aware(encounter.period.start, "Encounter.period.start")
    reason = "\n".join(code.text for code in encounter.reasonCode or [] if code.text)
    hospital = _hospital(user, encounter.serviceProvider)
    fields = {"ward": _ward(user, encounter, hospital), "admitted_at": admitted_at,
              "reason": reason}
    subject = encounter.subject
    if subject is None:
        raise invalid(_("Name the patient in subject."), "Encounter.subject")
    if (subject.reference or "").startswith("#"):
        return _admit_contained(user, encounter, hospital, fields)
    key = _reference_uuid(subject, "Patient", "Encounter.subject")
    if key is not None:
        # Unknown and out of scope answer alike: nothing reveals that the patient exists.
        patient = Patient.objects.visible_to(user).filter(uuid=key).first()
        if patient is None:
            raise invalid(_("%(path)s: no such patient.") % {"path": "Encounter.subject"},
                          "Encounter.subject")
        return services.admit_patient(by=user, patient=patient, hospital=hospital, **fields)
    number = _identity_number(subject.identifier, "Encounter.subject.identifier")
    return _admit_by_number(user, number, hospital, fields, {}, {})


def _identity_number(identifier, path: str) -> str:
    if identifier is None or not identifier.value:
        raise invalid(_("subject is a reference to a Patient or an identifier "
                        "(fødselsnummer or D-number)."), "Encounter.subject")
    try:
        number = parse_identity_number(identifier.value)
    except DjangoValidationError as exc:
        raise invalid(f"{path}: {' '.join(exc.messages)}", f"{path}.value") from exc
    if identifier.system and identifier.system != number.system:
        raise invalid(_("The identifier's system does not match the number (fødselsnummer "
                        "or D-number)."), f"{path}.system")
    return number.number


def _admit_contained(user, encounter, hospital, fields) -> Admission:
    """subject: {"reference": "#p"} to a Patient in `contained`, carrying the identifier and
    the name (checked against a registered patient, or registering a new one with birthDate
    and the municipality code of its address)."""
    local_id = encounter.subject.reference[1:]
    found = [(index, resource) for index, resource in enumerate(encounter.contained or [])
             if resource.resource_type == "Patient" and resource.id == local_id]
    if not found:
        raise invalid(_("%(path)s: no contained Patient with that id.") % {
            "path": "Encounter.subject"}, "Encounter.subject.reference")
    index, contained = found[0]
    path = f"Encounter.contained[{index}]"
    identifiers = list(contained.identifier or [])
    identifier = encounter.subject.identifier or (identifiers[0] if identifiers else None)
    number = _identity_number(identifier, "Encounter.subject.identifier"
                              if encounter.subject.identifier else f"{path}.identifier[0]")
    registration = {}
    names = [n for n in contained.name or [] if n.use in (None, "official", "usual")]
    if names:
        registration["given_name"] = " ".join(names[0].given or [])
        registration["family_name"] = names[0].family or ""
    if contained.birthDate:
        registration["birth_date"] = contained.birthDate
    for address_index, address in enumerate(contained.address or []):
        code = next((ext.valueCoding.code for ext in address.extension or []
                     if ext.url == m.MUNICIPALITY_EXTENSION and ext.valueCoding), None)
        if code:
            municipality = Organization.objects.municipalities().filter(
                municipality_number=code).first()
            if municipality is None:
                where = f"{path}.address[{address_index}]"
                raise invalid(_("%(path)s: no municipality %(code)s.") % {
                    "path": where, "code": code}, f"{where}.extension")
            registration["municipality"] = municipality
            break
    name_path = f"{path}.name[0]"
    paths = {"given_name": f"{name_path}.given", "family_name": f"{name_path}.family",
             "birth_date": f"{path}.birthDate", "municipality": f"{path}.address"}
    return _admit_by_number(user, number, hospital, fields, registration, paths)


def _admit_by_number(user, number, hospital, fields, registration, paths) -> Admission:
    """The service's refusals of the patient's data name the elements they came from."""
    try:
        return services.admit_by_identity_number(
            by=user, identity_number=number, hospital=hospital, registration=registration,
            **fields)
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        where = {**ENCOUNTER_FIELDS, **paths}
        raise InvalidResource([
            issue("business-rule", message, [where[field]] if field in where else None)
            for field, messages in exc.message_dict.items() for message in messages
        ], status_code=422) from exc


def _section_value(field: str, text: str, path: str):
    text = text.strip()
    try:
        if field == "estimated_discharge_date":
            value = parse_date(text)
            if value is None:
                raise ValueError
            return value
        if field in ("barthel_index", "modified_rankin"):
            return int(text)
        if field in ("next_of_kin_informed", "requests_individual_plan"):
            return {"true": True, "false": False}[text]
        if field == "proposed_level":
            return ServiceLevel.objects.get(code=text)
    except (ValueError, KeyError, ServiceLevel.DoesNotExist) as exc:
        raise invalid(_("%(path)s: %(value)r is not a valid value for the section "
                        "%(section)s.") % {"path": path, "value": text, "section": field},
                      path) from exc
    return text


def create_communication(user, data):
    """→ (notice, created): a draft saved over an existing draft is not created."""
    communication = validate(Communication, data, "Communication")
    if communication.status not in ("preparation", "completed"):
        raise invalid(_("status is preparation (save the ward's draft) or completed (send "
                        "the notice)."), "Communication.status")
    key = _reference_uuid(communication.encounter, "Encounter", "Communication.encounter")
    if key is None:
        raise invalid(_("Name the admission in encounter (Encounter/<id>)."),
                      "Communication.encounter")
    admission = Admission.objects.visible_to(user).select_related("patient").filter(
        uuid=key).first()
    if admission is None:
        raise invalid(_("%(path)s: no such encounter.") % {"path": "Communication.encounter"},
                      "Communication.encounter")
    if communication.subject is not None:
        subject = _reference_uuid(communication.subject, "Patient", "Communication.subject")
        if subject is not None and subject != admission.patient.uuid:
            raise invalid(_("subject is not the encounter's patient."), "Communication.subject")
    content = {}
    for index, payload in enumerate(communication.payload or []):
        path = f"Communication.payload[{index}]"
        field = next((ext.valueCode for ext in payload.extension or []
                      if ext.url == m.NOTICE_SECTION_EXTENSION), None)
        if field not in m.NOTICE_SECTIONS:
            raise invalid(_("%(path)s: say which section it is with the extension %(url)s "
                            "(one of %(sections)s).") % {
                "path": path, "url": m.NOTICE_SECTION_EXTENSION,
                "sections": ", ".join(m.NOTICE_SECTIONS)}, f"{path}.extension")
        if payload.contentString is None:
            raise invalid(_("%(path)s: the section's text goes in contentString.") % {
                "path": path}, f"{path}.contentString")
        if field in content:
            raise invalid(_("%(path)s: the section %(section)s is given twice.") % {
                "path": path, "section": field}, path)
        content[field] = _section_value(field, payload.contentString, f"{path}.contentString")
    message_status = next((ext.valueCode for ext in communication.extension or []
                           if ext.url == m.MESSAGE_STATUS_EXTENSION), None)
    if communication.status == "preparation":
        created = not admission.early_notifications.filter(state=NoticeState.DRAFT).exists()
        return services.save_draft(admission, by=user, **content), created
    return services.send_early_notification(admission, by=user, message_status=message_status,
                                            **content), True
