"""GET metadata: exactly what this server implements."""

from common.api.pagination import page_count_limit

from .paging import CURSOR, TOTAL
from .resources import HANDLERS
from .search import MAX_OFFSET

FHIR_VERSION = "4.0.1"
RELEASE_DATE = "2026-01-01"


def capability_statement(base: str) -> dict:
    resources = []
    for handler in HANDLERS.values():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        if handler.create:
            interactions.append({"code": "create"})
        resources.append({
            "type": handler.type,
            "interaction": interactions,
            # Reads carry meta.versionId and an ETag, except computed resources (a
            # MeasureReport) and the indicator catalogue (Measure).
            "versioning": "versioned" if getattr(handler, "versioned", True) else "no-version",
            "readHistory": False,
            "updateCreate": False,
            "searchParam": [
                {"name": p.name, "type": p.type, "documentation": p.documentation}
                for p in handler.search_params()
            ] + [
                {"name": "_count", "type": "number",
                 "documentation": "Page size, at most 200 (default 50)."},
                {"name": "_offset", "type": "number",
                 "documentation": f"Skip this many matches, at most {MAX_OFFSET}. Kept for "
                                  "existing clients: skipping costs what the rows cost; walk "
                                  "deep with the links (_cursor)."},
                {"name": CURSOR, "type": "special",
                 "documentation": "Opaque: the position the `next` and `previous` links "
                                  "carry. Entries come newest change first (meta.lastUpdated, "
                                  "then a unique key); a page starts after its cursor through "
                                  "an index, so the last page costs what the first does, and a "
                                  "resource changed while you page moves to the front without "
                                  "shifting the others. Not with _offset."},
                {"name": TOTAL, "type": "token",
                 "documentation": "none: no Bundle.total. estimate or accurate (the "
                                  "default): Bundle.total when at most "
                                  f"{page_count_limit()} resources match, left out above "
                                  "(never an estimate)."},
            ],
            "documentation": _scopes(handler),
        })
    return {
        "resourceType": "CapabilityStatement",
        "name": "RehabPortal",
        "status": "active",
        "date": RELEASE_DATE,
        "publisher": "Rehab Portal",
        "kind": "instance",
        "software": {"name": "Rehab Portal"},
        "implementation": {"description": "Rehab Portal FHIR R4 facade", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": (
                "Read and search over the portal's access rules: you see what your "
                "organisation's care relationships allow; anything else is 404. Search with "
                "GET <type>?... or POST <type>/_search (form-encoded); use POST for "
                "identifiers (fødselsnummer, D-number) so they stay out of URLs and logs. "
                "The links of a POSTed search point at <type>/_search and leave the "
                "identifier out: to page, POST the same form body to the link. "
                "Searchsets come newest change first; follow the `next` links (_cursor) to "
                f"walk them; Bundle.total is given up to {page_count_limit()} matches. "
                "Reads of patient data are recorded in the access log."),
            "security": {
                "cors": False,
                "description": "Authorization: Bearer <API key> (an EPJ system, limited by "
                               "its scopes), or a signed-in session.",
            },
            "resource": resources,
        }],
    }


def _scopes(handler) -> str:
    text = f"API clients need the scope {handler.family}:read to read and search"
    if handler.create:
        text += f", {handler.family}:write to create"
    return text + "."
