"""JSON with a nesting limit, for every place that reads JSON from outside (request bodies,
cursors). Python's json recurses once per level: a 2 KB body of `[[[[…` would raise
RecursionError (a 500) in the parser or in whatever walks the result afterwards. No document
this portal accepts nests anywhere near MAX_DEPTH, FHIR resources included."""

import codecs
import json
import re
from itertools import accumulate

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 32

# A JSON string, escapes included; brackets inside strings do not nest anything. An
# unterminated one runs to the end (one pass: never a second try from each later quote).
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class TooDeep(ValueError):
    """The document nests more than MAX_DEPTH arrays and objects."""


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text, without recursing (well-formed or
    not: a malformed text is json.loads's to refuse)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets:
        return 0
    return max(0, *accumulate(_STEP[char] for char in brackets))


def loads(text: str | bytes, **kwargs):
    """json.loads, refusing (TooDeep) a document nested deeper than MAX_DEPTH."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    if nesting_depth(text) > MAX_DEPTH:
        raise TooDeep(_("The JSON nests more than %(depth)s levels of arrays and objects.")
                      % {"depth": MAX_DEPTH})
    return json.loads(text, **kwargs)


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser with the nesting limit: too deep is a 400 naming the body."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            return loads(text, parse_constant=strict_constant if self.strict else None)
        except TooDeep as exc:
            raise exceptions.ParseError(str(exc)) from exc
        except ValueError as exc:
            raise exceptions.ParseError(_("The body is not valid JSON: %(detail)s") % {
                "detail": str(exc)}) from exc


class FhirJSONParser(JSONParser):
    media_type = "application/fhir+json"

