"""Links that apps above pathways add to a record's page (a stay on the pathway page, an
individual plan on its page), so that the page offers them without importing those apps
(imports run referrals → coordination → pathways).

An app registers a function in its AppConfig.ready(): `actions(request, patient, record)`
answers the links it offers this user for this record of this patient (none: an empty list).
It decides what the user may do (deny by default) and should need no query: the pages call
it for each record they show, and the page already holds the patient."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    id: str  # the link's element id, unique on the page


_providers: dict[str, Callable] = {}


def register(name: str, actions: Callable) -> None:
    """Add (or, with the same name, replace) a provider of links."""
    _providers[name] = actions


def unregister(name: str) -> None:
    _providers.pop(name, None)


def actions_for(request, patient, record) -> list[Action]:
    """Every registered provider's links for the record, in the order of their names."""
    return [action for name in sorted(_providers)
            for action in _providers[name](request, patient, record)]
