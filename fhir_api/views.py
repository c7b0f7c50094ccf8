"""The FHIR endpoints: DRF views for its authentication (API keys, sessions); scopes per
resource type; errors as OperationOutcome."""

from urllib.parse import urlencode

from django.http import JsonResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import permissions, status
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api.parsers import FhirJSONParser, JSONParser
from common.api.throttling import AnonymousRateLimit
from common.idempotency import not_replayable
from registry.api.scopes import require_scope

from . import create, paging
from .capability import capability_statement
from .outcome import exception_handler, invalid, not_found
from .resources import HANDLERS
from .search import IGNORED

FHIR_JSON = "application/fhir+json"


class FhirJSONRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


class FhirView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]
    parser_classes = [FhirJSONParser, JSONParser]
    permission_classes = [permissions.IsAuthenticated]
    field_paths: dict = {}  # model field → FHIRPath, for the services' validation errors
    # Not in the OpenAPI schema: FHIR clients read the CapabilityStatement at metadata.
    schema = None

    def get_exception_handler(self):
        return exception_handler

    def handler_for(self, request, resource_type: str, *, write: bool = False):
        handler = HANDLERS.get(resource_type)
        if handler is None:
            raise not_found(_("This server has no resource type %(type)r.") % {
                "type": resource_type})
        require_scope(request, handler.family, write=write)
        return handler

    def base_url(self, request) -> str:
        return request.build_absolute_uri(reverse("fhir-metadata")).removesuffix("metadata")


class MetadataView(FhirView):
    """The CapabilityStatement: public, as FHIR clients read it before they authenticate."""

    authentication_classes = [AnonymousRateLimit]  # reads no credentials; counts per address
    permission_classes = []

    def get(self, request):
        return Response(capability_statement(self.base_url(request)))


class ReadView(FhirView):
    def get(self, request, resource_type, resource_id):
        handler = self.handler_for(request, resource_type)
        obj = handler.get(request.user, resource_id)
        handler.audit(request.user, [obj], "fhir read")
        resource = handler.to_fhir(obj)
        headers = {"Last-Modified": resource["meta"]["lastUpdated"]}
        if "versionId" in resource["meta"]:
            headers["ETag"] = f'W/"{resource["meta"]["versionId"]}"'
        return Response(resource, headers=headers)


class TypeView(FhirView):
    """GET: search. POST: create (Encounter, Communication)."""

    def get(self, request, resource_type):
        return self.search(request, resource_type, request.query_params)

    def post(self, request, resource_type):
        handler = self.handler_for(request, resource_type, write=True)
        if resource_type == "Encounter":
            self.field_paths = create.ENCOUNTER_FIELDS
            obj, created = create.create_encounter(request.user, request.data), True
        elif resource_type == "Communication":
            self.field_paths = create.COMMUNICATION_FIELDS
            obj, created = create.create_communication(request.user, request.data)
        else:
            return Response(status=status.HTTP_405_METHOD_NOT_ALLOWED,
                            data=_not_supported(_("%(type)s cannot be created here.") % {
                                "type": resource_type}))
        # Re-read in the writer's scope, with what the mapping needs.
        obj = handler.base(request.user).filter(pk=obj.pk).first() or obj
        resource = handler.to_fhir(obj)
        location = f"{self.base_url(request)}{resource_type}/{resource['id']}"
        headers = {"Location": location, "Last-Modified": resource["meta"]["lastUpdated"]}
        if "versionId" in resource["meta"]:
            headers["ETag"] = f'W/"{resource["meta"]["versionId"]}"'
        return Response(resource, headers=headers,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def search(self, request, resource_type, params: QueryDict, *, posted: bool = False):
        handler = self.handler_for(request, resource_type)
        asked = paging.parse(params, resource_type)
        criteria = []
        for name in params:
            if name in IGNORED or name in paging.PAGING_PARAMS:
                continue
            for value in params.getlist(name):
                if value == "":
                    raise invalid(_("%(name)s has no value.") % {"name": name}, name)
                if "\x00" in value:  # no value holds one; PostgreSQL refuses to compare it
                    raise invalid(_("%(name)s holds a NUL character.") % {"name": name}, name)
                criteria.append((name, value))
        page = handler.page(request.user, criteria, asked)
        handler.audit(request.user, page.rows, "fhir search")
        if not page.rows and any(name == "identifier" for name, _value in criteria):
            # As the REST API's search: fishing for identity numbers shows in the log.
            no_match = page.total == 0 or (page.total is None and asked.count > 0
                                           and asked.at_start)
            handler.audit_search(request.user, "fhir search by identifier, "
                                 + ("no match" if no_match else "no entries returned"))
        base = self.base_url(request)
        path = resource_type
        link_params = criteria
        if posted:
            # The identifier stays out of URLs: the links point at _search, where a client
            # pages by POSTing its form body again (a GET there is a 405, not a wider search).
            path = f"{resource_type}/_search"
            link_params = [(name, value) for name, value in criteria if name != "identifier"]
        if asked.total:
            link_params = [*link_params, (paging.TOTAL, asked.total)]
        entries = []
        for obj in page.rows:
            resource = handler.to_fhir(obj)
            entries.append({"fullUrl": f"{base}{resource_type}/{resource['id']}",
                            "resource": resource, "search": {"mode": "match"}})
        bundle = {"resourceType": "Bundle", "type": "searchset",
                  "meta": {"lastUpdated": timezone.now().isoformat(timespec="seconds")}}
        if page.total is not None:  # left out above API_PAGE_COUNT_LIMIT, or with _total=none
            bundle["total"] = page.total
        bundle["link"] = _links(handler, f"{base}{path}", link_params, asked, page)
        if entries:
            bundle["entry"] = entries
        return Response(bundle)


class SearchView(TypeView):
    """POST <type>/_search, form-encoded: the parameters stay out of URLs and access logs
    (use it for identifiers). Parameters in the URL count too."""

    parser_classes = [FormParser]

    def post(self, request, resource_type):
        params = request.query_params.copy()
        for name in request.data:
            params.setlist(name, params.getlist(name) + request.data.getlist(name))
        # Scoped and audited on every call: never answered from the Idempotency-Key store.
        return not_replayable(self.search(request, resource_type, params, posted=True))

    def get(self, request, resource_type):
        return Response(_not_supported(_("Use POST for _search, or GET on the type.")),
                        status=status.HTTP_405_METHOD_NOT_ALLOWED)


def _links(handler, url: str, params: list, asked: paging.Paging, page: paging.Page) -> list:
    """self, and next/previous by cursor: `next` after the last entry, `previous` before the
    first (a page reached by _offset links on by cursor too)."""

    def link(relation: str, *position) -> dict:
        query = [*params, ("_count", str(asked.count)), *position]
        return {"relation": relation, "url": f"{url}?{urlencode(query)}"}

    def cursor(key, *, backward: bool = False) -> tuple[str, str]:
        return paging.CURSOR, paging.encode(handler.type, key, backward=backward)

    if asked.token is not None:
        links = [link("self", (paging.CURSOR, asked.token))]
    else:
        links = [link("self", *([("_offset", str(asked.offset))] if asked.offset else []))]
    if not asked.count:
        return links
    first = handler.key_of(page.rows[0]) if page.rows else asked.cursor
    last = handler.key_of(page.rows[-1]) if page.rows else asked.cursor
    if asked.backward:
        if last is not None:  # at least the row the cursor stood on follows
            links.append(link("next", cursor(last)))
        if page.more:
            links.append(link("previous", cursor(first, backward=True)))
        return links
    if page.more:
        links.append(link("next", cursor(last)))
    if first is not None and not asked.at_start:
        links.append(link("previous", cursor(first, backward=True)))
    elif asked.offset:  # past the end
        links.append(link("previous", ("_offset", str(max(asked.offset - asked.count, 0)))))
    return links


def _not_supported(message: str) -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "not-supported", "diagnostics": message}]}


def unknown(request, *args, **kwargs):
    """Anything else under /fhir/r4/: a 404 OperationOutcome rather than the API envelope."""
    return JsonResponse({"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": "not-found",
        "diagnostics": _("No such resource type, resource or operation.")}]},
        status=404, content_type=FHIR_JSON)
