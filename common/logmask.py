"""National identity numbers (fødselsnummer, D-number: 11 digits) never reach a log: the
access log of runserver and gunicorn, Django's request warnings and errors, tracebacks. A
FHIR search by GET carries the number in the query string (Patient?identifier=…); clients
should search by POST _search (docs/api.md), and whatever still comes by GET is masked here.

One function does the masking; MaskIdentityNumbers applies it to every record a handler
writes (settings LOGGING), and rehab_portal.gunicorn_logging to gunicorn's logs.
"""

import logging
import re

MASK = "*" * 11

# Eleven digits standing alone: not part of a longer run of digits (a timestamp, a long id),
# but possibly right after a percent escape (`%7C01018012345`, the `|` of a FHIR token, or
# `%2001018012345`, whose escape ends in a digit). Also written 6 + 5 with a space (`+` or
# `%20` in a URL) or a hyphen between.
_IDENTITY_NUMBER = re.compile(
    r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![0-9]))"
    r"[0-9]{6}(?:[ +\-]|%20)?[0-9]{5}"
    r"(?![0-9])"
)


def mask_identity_numbers(text: str) -> str:
    return _IDENTITY_NUMBER.sub(MASK, text)


class MaskIdentityNumbers(logging.Filter):
    """Rewrites the record's message (and traceback) with identity numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_identity_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_identity_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_identity_numbers(record.stack_info)
        return True
