"""What the indicator screens share: the reader's scope, the period they asked for and the
periods they may choose, when the figures were computed, and the downloads of a page's
tables (CSV and XLSX through indicators.exports)."""

import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import exports
from ..models import ComputationRun, Direction, Unit
from ..periods import MONTH, QUARTER, YEAR, Period

# How far back the picker offers each kind, and how long a trend is (issue 13: the last 12
# months, 8 quarters or 5 years).
CHOICES_BACK = {YEAR: 6, QUARTER: 12, MONTH: 24}
TREND_LENGTH = {MONTH: 12, QUARTER: 8, YEAR: 5}
KIND_LABELS = {YEAR: gettext_lazy("Years"), QUARTER: gettext_lazy("Quarters"),
               MONTH: gettext_lazy("Months")}
DOWNLOAD_FORMATS = ("csv", "xlsx")


def today() -> datetime.date:
    return timezone.localdate()


def default_period(kind: str) -> Period:
    """The last month that has ended (this month has only begun), or this year so far."""
    current = Period.current(kind, today())
    return current.shifted(-1) if kind == MONTH else current


def chosen_period(request, default_kind: str = YEAR) -> tuple[Period, str]:
    """The period in ?period= (2024, 2024-Q1, 2024-03), else default_period(default_kind);
    with the message to show when the parameter could not be read."""
    key = request.GET.get("period", "").strip()
    if key:
        try:
            return Period.parse(key), ""
        except ValueError as error:
            return default_period(default_kind), str(error)
    return default_period(default_kind), ""


def period_choices(selected: Period) -> list[dict]:
    """The picker's options, grouped by kind, newest first; the chosen period is among them
    even when it lies further back."""
    groups = []
    for kind in (YEAR, QUARTER, MONTH):
        periods = list(reversed(Period.current(kind, today()).previous(CHOICES_BACK[kind])))
        if selected.kind == kind and selected not in periods:
            periods.append(selected)
        groups.append({"label": KIND_LABELS[kind], "kind": kind,
                       "options": [{"key": p.key, "label": p.label, "selected": p == selected}
                                   for p in periods]})
    return groups


def trend_periods(period: Period) -> list[Period]:
    return period.previous(TREND_LENGTH[period.kind])


def short_label(period: Period) -> str:
    """A period as an axis names it: "mar. 24", "K1 24", "2024"."""
    if period.kind == MONTH:
        from django.utils.dates import MONTHS_3
        return f"{MONTHS_3[period.start.month]} {period.start:%y}"
    if period.kind == QUARTER:
        return _("Q%(quarter)s %(short_year)s") % {"quarter": period.quarter,
                                                    "short_year": f"{period.start:%y}"}
    return str(period.year)


def figures_as_of():
    """When the figures were computed: the newest run that finished without an error (the
    changes it included, up to its watermark). One query."""
    run = (ComputationRun.objects.filter(watermark__isnull=False, error="")
           .order_by("-watermark").only("watermark", "finished_at").first())
    return run.watermark if run is not None else None


def is_share(indicator) -> bool:
    return indicator.unit == Unit.SHARE


def direction_text(indicator) -> str:
    return {Direction.HIGHER_IS_BETTER: _("Higher is better"),
            Direction.LOWER_IS_BETTER: _("Lower is better")}.get(
        indicator.direction, _("Neither higher nor lower is better"))


def change(indicator, now, before) -> dict:
    """The change from the previous period, in words and as an arrow: better or worse by the
    indicator's direction (a change is never told by colour alone)."""
    if now is None or before is None:
        return {"kind": "none", "arrow": "–", "text": _("No comparison with the previous period")}
    if now == before:
        return {"kind": "same", "arrow": "→", "text": _("Unchanged from the previous period")}
    up = now > before
    arrow = "↑" if up else "↓"
    if indicator.direction == Direction.NEITHER:
        return {"kind": "same", "arrow": arrow,
                "text": _("Up from the previous period") if up else
                _("Down from the previous period")}
    better = up == (indicator.direction == Direction.HIGHER_IS_BETTER)
    if up:
        text = _("Up from the previous period: better") if better else _(
            "Up from the previous period: worse")
    else:
        text = _("Down from the previous period: better") if better else _(
            "Down from the previous period: worse")
    return {"kind": "better" if better else "worse", "arrow": arrow, "text": text}


def target_display(indicator) -> str:
    text = indicator.localized_target_text
    if text:
        return text
    if indicator.target is None:
        return ""
    from django.utils import formats
    value = formats.number_format(indicator.target, decimal_pos=1 if indicator.target % 1 else 0,
                                  use_l10n=True, force_grouping=True)
    return f"{value} %" if is_share(indicator) else value


# -- downloads ------------------------------------------------------------------------------

# One table of a page, as the exports write it: a title, the column headings and the rows
# (numbers stay numbers in XLSX; a suppressed cell is the text "<5").
Sheet = exports.Sheet


def requested_download(request) -> str | None:
    fmt = request.GET.get("download", "")
    if not fmt:
        return None
    if fmt not in DOWNLOAD_FORMATS:
        raise Http404(_("Download as CSV or XLSX."))
    return fmt


def download_links(request, sheet_name: str = "") -> list[dict]:
    """"Last ned CSV / XLSX" beside a table: the page's own query with download= (and the
    table's name where a page has several)."""
    links = []
    for fmt in DOWNLOAD_FORMATS:
        query = request.GET.copy()
        query.pop("download", None)
        query.pop("table", None)
        query["download"] = fmt
        if sheet_name:
            query["table"] = sheet_name
        links.append({"format": fmt.upper(), "url": f"?{query.urlencode()}"})
    return links


def download(request, fmt: str, sheets: list, stem: str):
    """The sheets as CSV or XLSX, named like rehab-indikatorer-2024.xlsx; the export is
    recorded in the audit trail (aggregates, no patient)."""
    return exports.response(fmt, sheets, f"{stem}.{fmt}", user=request.user)
