"""The code lists the messages use (plo/standards/codelists.json: data, each with its
Volven number), and a code as the XML writes it (V, DN and for CV the list's OID in S)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OID_PREFIX = "2.16.578.1.12.4.1.1."
FILE = Path(__file__).resolve().parent / "standards" / "codelists.json"

# The lists by their number.
DISPATCH_STATUS = "7309"
RECEIVER_ROLE = "8112"
APPREC_ERROR = "8221"
APPREC_STATUS = "8258"
MESSAGE_TYPE = "8279"
LOGISTICS_EVENT = "9121"


@dataclass(frozen=True)
class Code:
    code_list: str
    value: str
    text: str

    @property
    def oid(self) -> str:
        return OID_PREFIX + self.code_list


@cache
def _lists() -> dict:
    return {number: entry for number, entry in
            json.loads(FILE.read_text(encoding="utf-8")).items() if not number.startswith("_")}


def code(code_list: str, value: str) -> Code:
    """The code, with its text; KeyError for a value the list does not hold."""
    return Code(code_list, value, _lists()[code_list]["codes"][value])


def values(code_list: str) -> set[str]:
    return set(_lists()[code_list]["codes"])
