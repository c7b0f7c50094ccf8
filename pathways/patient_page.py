"""Sections that apps above pathways add to the patient page, so that pathways shows them
without importing them (imports run coordination → pathways).

An app registers a section in its AppConfig.ready(): a name, a place on the page and a
function `render(request, patient) -> str` that answers the section's HTML (empty: nothing
to show). The patient page calls each one after its own reads. The function is a view in
all but name: it decides what the user may see of its records (deny by default) and audits
what it reads, as its app's own pages do; the patient page knows nothing of its records.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Section:
    name: str
    render: Callable  # (request, patient) -> str, the section's HTML
    order: int


_sections: dict[str, Section] = {}


def register(name: str, render: Callable, *, order: int = 100) -> None:
    """Add (or, with the same name, replace) a section; lower `order` comes first."""
    _sections[name] = Section(name, render, order)


def unregister(name: str) -> None:
    _sections.pop(name, None)


def render_sections(request, patient) -> list[SafeString]:
    """The registered sections' HTML for this patient, in order, leaving out empty ones."""
    rendered = (section.render(request, patient) for section in
                sorted(_sections.values(), key=lambda s: (s.order, s.name)))
    return [mark_safe(html) for html in rendered if html]  # noqa: S308 - rendered templates
