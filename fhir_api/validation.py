"""A create's body checked as FHIR R4 before it is mapped: parsed by fhir.resources (400
naming each element R4 does not define, or defines otherwise), and refused where it carries
modifier extensions or implicitRules the portal cannot understand."""

from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from .outcome import FhirError, invalid, issue


class InvalidResource(FhirError):
    """One OperationOutcome with an issue per fault; the first sets the code."""

    def __init__(self, issues: list[dict], status_code: int = 400):
        super().__init__(status_code, issues[0]["diagnostics"], code=issues[0]["code"],
                         expression=issues[0].get("expression"))
        self.issues = issues


def validate(model, data, resource_type: str):
    """The body as a fhir.resources model of resource_type, or a 400 saying what is
    wrong with it."""
    if not isinstance(data, dict):
        raise invalid(_("The body is a FHIR resource: a JSON object."))
    if data.get("resourceType") != resource_type:
        raise invalid(_("Expected resourceType %(type)s.") % {"type": resource_type},
                      f"{resource_type}.resourceType")
    try:
        resource = model.parse_obj(data)
    except PydanticValidationError as exc:
        # fhir.resources forbids elements R4 does not define (pydantic's Extra.forbid): each
        # unknown element, at the top or nested, is an issue naming it.
        raise InvalidResource([issue("invalid", _pydantic_message(path, error), [path])
                               for error in exc.errors()
                               for path in [_fhirpath(resource_type, error["loc"])]]) from exc
    except LookupError as exc:  # fhir.resources' answer to a resourceType R4 does not have
        raise invalid(_("%(path)s holds a resource of a type FHIR R4 does not have.") % {
            "path": f"{resource_type}.contained"}, f"{resource_type}.contained") from exc
    except (TypeError, ValueError) as exc:  # defensive: odd shapes the models do not expect
        raise invalid(_("Not a valid %(type)s: %(detail)s") % {
            "type": resource_type, "detail": exc}) from exc
    not_understood = list(_modifiers(data, resource_type))
    if not_understood:
        raise InvalidResource(not_understood)
    return resource


def _fhirpath(resource_type: str, loc) -> str:
    """pydantic's location ("location", 0, "period") as FHIRPath: Encounter.location[0].period."""
    path = resource_type
    for part in loc:
        if part == "__root__":
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _modifiers(element, path: str):
    """Modifier extensions and implicitRules anywhere in the resource (contained ones too).
    They change the meaning of what carries them, and the portal understands none: FHIR
    forbids ignoring them, so each one is refused by name."""
    if isinstance(element, list):
        for index, item in enumerate(element):
            yield from _modifiers(item, f"{path}[{index}]")
        return
    if not isinstance(element, dict):
        return
    for key, value in element.items():
        if key == "modifierExtension" and isinstance(value, list):
            for index, extension in enumerate(value):
                where = f"{path}.modifierExtension[{index}]"
                url = extension.get("url", "") if isinstance(extension, dict) else ""
                yield issue("not-supported", _(
                    "%(path)s: the modifier extension %(url)s is not understood here, so the "
                    "resource cannot be accepted.") % {"path": where, "url": url}, [where])
        elif key == "implicitRules":
            where = f"{path}.implicitRules"
            yield issue("not-supported", _(
                "%(path)s: rules this server does not know (%(url)s), so the resource cannot "
                "be accepted.") % {"path": where, "url": value}, [where])
        else:
            yield from _modifiers(value, f"{path}.{key}")


def _pydantic_message(path: str, error: dict) -> str:
    """fhir.resources' (pydantic's) messages are English: the common ones are said in the
    request's language, the rest keep pydantic's text as the detail."""
    kind = error.get("type", "")
    if kind == "value_error.extra":
        return _("%(path)s is not an element of FHIR R4 here.") % {"path": path}
    if kind == "value_error.missing":
        return _("%(path)s is required.") % {"path": path}
    return _("%(path)s is not valid (%(detail)s).") % {"path": path, "detail": error["msg"]}
