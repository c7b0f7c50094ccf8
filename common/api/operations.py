"""How a viewset declares its operations in the schema: the errors each kind of operation
answers (list, retrieve, create, a step, a locked change), the error envelope per status code,
and the headers of optimistic locking and of creation. PortalAutoSchema (schema.py) adds what
every operation may answer on top."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from .schema import ErrorEnvelopeSerializer


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error envelope declared for each status code, for extend_schema(responses=...)."""
    descriptions = {
        400: "Invalid input; `fields` names each offending field.",
        401: "No or invalid credentials.",
        403: "Authenticated, but not allowed to do this.",
        404: "No such object, or it lies outside what you may see; in a list, no such page.",
        409: "The step does not fit the record's state (the message says why, e.g. who "
             "acknowledged it first), or a concurrent change conflicted.",
        412: "If-Match does not match the current version; the ETag header carries it.",
        413: "The request body is too large.",
        415: "The body is not JSON (Content-Type: application/json).",
        428: "If-Match is required.",
    }
    return {
        code: OpenApiResponse(ErrorEnvelopeSerializer, description=descriptions.get(code, ""))
        for code in codes
    }


def etag_header(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 201],
        description=f'The {what}, e.g. W/"3"; send it back in If-Match to change it.',
    )



def location_header(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[201],
        description=f"The new {what}'s URL.",
    )


IF_MATCH_HEADER = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag from your last read, e.g. W/"3" (`*` matches whatever version is '
                "current). Without it: 428; stale: 412 with the current ETag.",
)
# The first wording, which the patients' and the webhook subscriptions' changes still publish.
SHORT_IF_MATCH_HEADER = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag from your last read, e.g. W/"3". Without it: 428; stale: 412.',
)


# -- The operations' declarations: what each kind answers ------------------------------------

# The error codes each kind of operation declares (error_responses); a view names others
# where its operation differs (errors=...).
LIST_ERRORS = (400, 401, 404)
READ_ERRORS = (401, 404)
CREATE_ERRORS = (400, 401, 403, 409, 413)
STEP_ERRORS = (400, 401, 403, 404, 409, 413)
LOCKED_ERRORS = (400, 401, 403, 404, 409, 412, 413, 428)


def _operation(responses: dict, errors, **kwargs):
    return extend_schema(responses={**responses, **error_responses(*errors)}, **kwargs)


def list_schema(serializer, summary: str, description: str | None = None, *,
                errors=LIST_ERRORS, **kwargs):
    """A list: a page of `serializer`'s rows (extend_schema's keywords pass through)."""
    return _operation({200: serializer(many=True)}, errors, summary=summary,
                      description=description, **kwargs)


def retrieve_schema(serializer, summary: str, description: str | None = None, *,
                    errors=READ_ERRORS, **kwargs):
    """One row, as `serializer` shows it."""
    return _operation({200: serializer}, errors, summary=summary, description=description,
                      **kwargs)


def create_schema(serializer, summary: str, description: str | None = None, *, location: str,
                  parameters=(), errors=CREATE_ERRORS, also: dict | None = None, **kwargs):
    """A create: 201 with the new `location` (what it is, for its Location header), and the
    answers `also` names besides."""
    return _operation({201: serializer, **(also or {})}, errors, summary=summary,
                      description=description,
                      parameters=[*parameters, location_header(location)], **kwargs)


def locked_schema(responses: dict, summary: str, description: str | None = None, *,
                  etag: OpenApiParameter, if_match: OpenApiParameter = IF_MATCH_HEADER,
                  parameters=(), errors=LOCKED_ERRORS, **kwargs):
    """A change under optimistic locking: If-Match names the version read, `etag` the new
    one; `responses` what it answers on success."""
    return _operation(responses, errors, summary=summary, description=description,
                      parameters=[if_match, etag, *parameters], **kwargs)


def step_schema(responses: dict, summary: str, description: str | None = None, *,
                errors=STEP_ERRORS, **kwargs):
    """A step on a record that takes no If-Match: `responses` what it answers on success."""
    return _operation(responses, errors, summary=summary, description=description, **kwargs)


def uuid_path_parameter(name: str, what: str) -> OpenApiParameter:
    """A sub-record named by its UUID in the URL (a plan's goal, a meeting's task)."""
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH,
                            description=f"The {what}'s UUID.")
