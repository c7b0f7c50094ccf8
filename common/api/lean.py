"""A list page written from plain rows rather than through its serializer, with the same JSON.

A serializer asked for a page of 100 rows builds a model instance for each row and its joined
rows, then looks every field up through DRF's generic attribute walk and reverses a URL per
row: for the admissions list that was most of the request (make bench, profile). LeanList
maps the serializer's fields once per serializer class to the columns behind them
(`patient.uuid` is `patient__uuid`), reads the page with values_list() and writes each field
as the serializer field does: with its own to_representation(), bound to the request like the
serializer's, or with what that comes to for the column's type (`str(value)`); a row's URL is
the URL reversed once per request, with the row's key put in. A field it cannot map to a
column exactly (a property, a nested serializer, a path through a nullable relation) is an
ImproperlyConfigured at once, unless the view computes it from columns (`computed`): nothing
falls back silently to a different answer. The serializer's fields must not depend on the
request (they are read once).

tests/api/test_lean_lists.py compares every lean list with its serializer, row for row.
"""

import collections
import copy
import datetime
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from rest_framework import ISO_8601, serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings

# A key no row has, put into the URL of the detail view once per request (a UUID, so that it
# matches whatever pattern the route gives the key).
_KEY = "00000000-1ea1-4000-8000-000000000000"


class _Keyed:
    """What HyperlinkedIdentityField needs of an object to write its URL."""

    pk = 0

    def __init__(self, field_name: str):
        setattr(self, field_name, _KEY)


class _Step(NamedTuple):
    """One field of the plan: its name, the column (or, computed, the columns and the
    function of them), how to write the value, and the serializer's field."""

    name: str
    index: int | tuple[int, ...]
    function: Callable | None
    kind: str  # "raw", "str", "int", "url", "datetime" or "field"
    field: serializers.Field


class _Apart(NamedTuple):
    """Values of related rows read after the page, one query per related model: where a
    column's relation `head` (the row's key of it read in the page's query, at `key`)
    leads, its `attribute`."""

    head: str
    key: int
    model: type[models.Model]
    attribute: str


class _Plan(NamedTuple):
    columns: tuple[str, ...]  # what a row holds: the page's own and the related values
    steps: tuple[_Step, ...]
    selected: tuple[str, ...]  # what the page's query reads (columns, unless read apart)
    sources: tuple[int | _Apart, ...]  # per column: its index in `selected`, or apart
    row: type | None  # the named tuple of `columns` when some are read apart


def _kind(field, column=None) -> str:
    """How a value of the field's column is written: DRF's one-line bodies for text, whole
    numbers and UUIDs (`return str(value)`, `int(value)`) by the builtins themselves, and a
    boolean column's True and False as they are (BooleanField.to_representation's answer)."""
    method = type(field).to_representation
    if method is serializers.BooleanField.to_representation and isinstance(
            column, models.BooleanField):
        return "raw"
    if method is serializers.CharField.to_representation:
        return "str"
    if method is serializers.IntegerField.to_representation:
        return "int"
    if method is serializers.UUIDField.to_representation and field.uuid_format == "hex_verbose":
        return "str"
    if method is serializers.DateTimeField.to_representation:
        return "datetime"
    return "field"


def _path_column(model, attrs: Sequence[str], *,
                 final_relation: bool) -> tuple[str, bool, models.Field]:
    """The values() lookup of a dotted source, whether a relation before its last step may
    be null (where the serializer would not write null but skip or fail), and the model
    field at its end."""
    nullable_on_the_way = False
    for position, name in enumerate(attrs):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            raise LookupError(name) from None
        last = position == len(attrs) - 1
        if not last or final_relation:
            if not (field.is_relation and field.concrete and not field.many_to_many):
                raise LookupError(name)
            if not last:
                nullable_on_the_way = nullable_on_the_way or field.null
            model = field.related_model
        elif field.is_relation or not field.concrete:
            raise LookupError(name)
    return "__".join(attrs), nullable_on_the_way, field


def _column(field, model, annotations: frozenset[str]) -> tuple[str, str]:
    """(lookup, kind) of a serializer field."""
    name = f"{type(field.parent).__name__}.{field.field_name}"
    if isinstance(field, serializers.HyperlinkedIdentityField):
        return field.lookup_field, "url"
    if hasattr(field, "lean_lookup"):  # the field knows its column (a related value)
        return field.lean_lookup(annotations), "raw"
    if isinstance(field, serializers.BaseSerializer | serializers.ManyRelatedField
                  | serializers.SerializerMethodField) or field.source == "*":
        raise ImproperlyConfigured(f"{name} is no column: give it in `computed`.")
    slug = isinstance(field, serializers.SlugRelatedField)
    if slug and "__" in field.slug_field:
        raise ImproperlyConfigured(f"{name}: a slug across relations is not mapped.")
    try:
        lookup, nullable, column = _path_column(model, field.source_attrs,
                                                final_relation=slug)
    except LookupError as exc:
        raise ImproperlyConfigured(f"{name}: {exc} is no column of {model.__name__} here: "
                                   "give the field in `computed`.") from None
    if nullable and not (field.allow_null and field.default is empty):
        # Through a null relation the serializer skips the field; a column reads null.
        raise ImproperlyConfigured(f"{name} passes through a relation that may be null: "
                                   "give it in `computed`.")
    if slug:  # the related row's slug as it is (SlugRelatedField.to_representation)
        return f"{lookup}__{field.slug_field}", "raw"
    return lookup, _kind(field, column)


def _read_apart(model, columns: Sequence[str],
                apart: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[int | _Apart, ...]]:
    """The page's query's columns, and where each column comes from: lookups through a
    relation in `apart` (`hospital__name`) become the relation's key (`hospital`) in the
    query and a value of the related row read after it."""
    selected: list[str] = []

    def index(lookup: str) -> int:
        if lookup not in selected:
            selected.append(lookup)
        return selected.index(lookup)

    sources: list[int | _Apart] = []
    for column in columns:
        head, _, attribute = column.partition("__")
        if head not in apart or not attribute:
            sources.append(index(column))
            continue
        relation = model._meta.get_field(head)
        if "__" in attribute or not (relation.many_to_one or relation.one_to_one):
            raise ImproperlyConfigured(f"{column}: only a column of the row a key names is "
                                       "read apart.")
        sources.append(_Apart(head, index(head), relation.related_model, attribute))
    return tuple(selected), tuple(sources)


@functools.cache
def _plan(serializer_class, model, annotations: frozenset[str], computed: tuple,
          also: tuple[str, ...], apart: tuple[str, ...] = ()) -> _Plan:
    columns: list[str] = []

    def index(lookup: str) -> int:
        if lookup not in columns:
            columns.append(lookup)
        return columns.index(lookup)

    functions = {name: (lookups, function) for name, lookups, function in computed}
    steps = []
    for field in serializer_class()._readable_fields:
        if field.field_name in functions:
            lookups, function = functions.pop(field.field_name)
            steps.append(_Step(field.field_name, tuple(map(index, lookups)), function,
                               _kind(field), field))
            continue
        lookup, kind = _column(field, model, annotations)
        steps.append(_Step(field.field_name, index(lookup), None, kind, field))
    if functions:
        raise ImproperlyConfigured(f"{serializer_class.__name__} has no field "
                                   f"{', '.join(functions)}.")
    for lookup in also:
        index(lookup)
    selected, sources = _read_apart(model, columns, apart)
    row = (collections.namedtuple("Row", columns)
           if any(isinstance(source, _Apart) for source in sources) else None)
    return _Plan(tuple(columns), tuple(steps), selected, sources, row)


def _url_writer(field) -> Callable[[object], str]:
    """The field's URL for a key: its own to_representation once, then the key put in."""
    url = str(field.to_representation(_Keyed(field.lookup_field)))
    if url.count(_KEY) != 1:
        raise ImproperlyConfigured(f"{field.field_name}: the URL {url} does not hold its key "
                                   "once.")
    start, end = url.split(_KEY)
    return lambda key: f"{start}{key}{end}"


def _datetime_writer(field) -> Callable[[datetime.datetime], str]:
    """DateTimeField.to_representation with the request's timezone looked up once: for an
    aware datetime in ISO 8601, what it comes to (enforce_timezone's astimezone(), then
    isoformat() with Z for UTC); anything else through the field itself."""
    write = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None or output_format is None or output_format.lower() != ISO_8601:
        return write

    def iso(value):
        if type(value) is not datetime.datetime or value.utcoffset() is None:
            return write(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:  # the field's own error
            return write(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


def _writer(step: _Step, serializer) -> Callable | None:
    """How this request writes the step's values (None: as read). A field's own methods
    run on a copy bound to the request's serializer, so they see its context."""
    if step.kind == "raw":
        return None
    if step.kind == "str":
        return str
    if step.kind == "int":
        return int
    field = copy.copy(step.field)
    field.parent = serializer
    if step.kind == "url":
        return _url_writer(field)
    if step.kind == "datetime":
        return _datetime_writer(field)
    return field.to_representation


class LeanList:
    """The representation `serializer` (bound to the request: the view's get_serializer())
    gives each row of `queryset`, from values_list() rows instead of model instances.

    `computed`: {field name: (lookups, function)} for a field that is no column, e.g. a
    property; function(*values) gives what the serializer's source would, and the field
    writes it as usual. The plan is kept per serializer class, computed fields, `also` and
    `apart`: pass module-level functions, not new closures. `also`: lookups the view needs
    besides (the audit's), read in the same query; rows are named tuples, so
    `row.patient__uuid`.

    `apart`: relations whose columns (`hospital__name`) are read after the page, by key,
    one query per related model, instead of joined into the page's query: each table a
    query joins multiplies the join orders PostgreSQL weighs before it runs (the admission
    list's five tables took 4 ms to plan and 1 ms to run, make bench). A relation that may
    be null gives null columns, as the joined row would."""

    def __init__(self, serializer: serializers.Serializer, queryset, *,
                 computed: dict[str, tuple[Sequence[str], Callable]] | None = None,
                 also: Iterable[str] = (), apart: Iterable[str] = ()):
        plan = _plan(type(serializer), queryset.model, frozenset(queryset.query.annotations),
                     tuple((name, tuple(lookups), function)
                           for name, (lookups, function) in (computed or {}).items()),
                     tuple(also), tuple(apart))
        self.queryset = queryset
        self.columns = plan.columns
        self._plan = plan
        self._steps = [(step.name, step.index, step.function, _writer(step, serializer))
                       for step in plan.steps]

    def rows(self):
        """The page's query: named tuples of its columns, lazily (complete() adds the
        columns read apart)."""
        return self.queryset.values_list(*self._plan.selected, named=True)

    def page(self, view) -> list:
        """The view's page of rows (every row when the view has no pagination), complete.
        Counted on the queryset itself: the joins that bring the columns would slow the
        count."""
        if view.paginator is None:
            return self.complete(list(self.rows()))
        return self.complete(view.paginator.paginate_queryset(
            self.rows(), view.request, view=view, counted=self.queryset))

    def complete(self, rows: list) -> list:
        """The rows of the page's query with the columns read apart: per related model,
        one query for the keys the page names (none when it names none)."""
        plan = self._plan
        if plan.row is None:
            return rows
        wanted: dict[type, tuple[set, set]] = {}
        for source in plan.sources:
            if isinstance(source, _Apart):
                keys, attributes = wanted.setdefault(source.model, (set(), set()))
                keys.update(row[source.key] for row in rows)
                attributes.add(source.attribute)
        related: dict[type, dict] = {}
        for model, (keys, attributes) in wanted.items():
            keys.discard(None)
            names = sorted(attributes)
            related[model] = {
                values[0]: dict(zip(names, values[1:], strict=True))
                for values in (model._base_manager.filter(pk__in=keys).order_by()
                               .values_list("pk", *names))} if keys else {}
        complete = []
        for row in rows:
            values = []
            for source in plan.sources:
                if isinstance(source, _Apart):
                    key = row[source.key]
                    values.append(None if key is None
                                  else related[source.model][key][source.attribute])
                else:
                    values.append(row[source])
            complete.append(plan.row._make(values))
        return complete

    def represent(self, rows: Iterable[Sequence]) -> list[dict]:
        """What serializer(rows, many=True).data holds, field for field: null stays null
        (Serializer.to_representation), anything else goes through the field."""
        steps = self._steps
        page = []
        for row in rows:
            item = {}
            for name, index, function, write in steps:
                value = function(*(row[i] for i in index)) if function else row[index]
                if value is None:
                    item[name] = None
                elif write is None:
                    item[name] = value
                else:
                    item[name] = write(value)
            page.append(item)
        return page
