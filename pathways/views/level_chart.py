"""The path across the pyramid levels on the pathway page, as an accessible SVG drawn on the
server: hospital stays, levels proposed in early notifications and the level after
discharge, with a text description of every mark (the page shows a table beside it)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from common import dates
from registry.models import ServiceLevel

HOSPITAL_LEVEL = "5.2"  # a hospital stay is drawn here when its level is not known

CHART = {"width": 720, "height": 300, "left": 64, "right": 48, "top": 20, "bottom": 48}


@dataclass
class Mark:
    kind: str  # stay (hospital, assumed 5.2), after (level after discharge), proposed
    start: datetime.datetime
    end: datetime.datetime | None
    level: ServiceLevel
    label: str
    ongoing: bool = False
    points: str = ""
    x1: float = 0
    x2: float = 0
    y: float = 0


def level_chart(admissions, levels, at) -> dict | None:
    if not admissions or not levels:
        return None
    hospital_level = next((lv for lv in levels if lv.code == HOSPITAL_LEVEL), levels[-1])
    ordered = sorted(admissions, key=lambda a: a.admitted_at)
    marks = []
    for index, admission in enumerate(ordered):
        marks.append(Mark("stay", admission.admitted_at, admission.discharged_at or at,
                          hospital_level, _("Hospital stay, %(hospital)s") % {
                              "hospital": admission.hospital.name},
                          ongoing=admission.discharged_at is None))
        for notice in admission.early_notifications.all():
            if notice.proposed_level:
                marks.append(Mark("proposed", notice.sent_at, None, notice.proposed_level,
                                  _("Proposed in early notification version %(version)s") % {
                                      "version": notice.sequence}))
        if admission.discharged_at and admission.discharge_level:
            following = ordered[index + 1].admitted_at if index + 1 < len(ordered) else None
            marks.append(Mark("after", admission.discharged_at,
                              max(following or at, admission.discharged_at),
                              admission.discharge_level, _("After discharge from %(hospital)s")
                              % {"hospital": admission.hospital.name},
                              ongoing=following is None))
    start = min(m.start for m in marks)
    end = max([at] + [m.end or m.start for m in marks])
    if end - start < datetime.timedelta(days=1):
        end = start + datetime.timedelta(days=1)
    c = CHART
    plot_width = c["width"] - c["left"] - c["right"]
    plot_height = c["height"] - c["top"] - c["bottom"]
    span = (end - start).total_seconds()

    def x(moment):
        return round(c["left"] + (moment - start).total_seconds() / span * plot_width, 1)

    step = plot_height / max(len(levels) - 1, 1)
    y_of = {level.pk: round(c["top"] + plot_height - index * step, 1)
            for index, level in enumerate(levels)}
    for mark in marks:
        mark.x1, mark.y = x(mark.start), y_of[mark.level.pk]
        mark.x2 = x(mark.end) if mark.end else mark.x1
        if mark.kind == "proposed":  # a diamond: a different shape, not only a colour
            mark.points = " ".join(f"{px},{py}" for px, py in (
                (mark.x1, mark.y - 7), (mark.x1 + 7, mark.y), (mark.x1, mark.y + 7),
                (mark.x1 - 7, mark.y)))
    label_format = "%d.%m %H:%M" if end - start < datetime.timedelta(days=4) else "%d.%m.%y"
    ticks = []
    for index in range(5):
        moment = start + (end - start) * index / 4
        ticks.append({"x": x(moment), "label": timezone.localtime(moment).strftime(
            label_format)})
    marks.sort(key=lambda m: (m.start, m.kind))
    described = "; ".join(
        (_("%(what)s: level %(level)s from %(start)s, ongoing") if m.ongoing else
         _("%(what)s: level %(level)s from %(start)s to %(end)s") if m.end else
         _("%(what)s: level %(level)s on %(start)s")) % {
            "what": m.label, "level": m.level.code,
            "start": dates.day(timezone.localtime(m.start).date()),
            "end": dates.day(timezone.localtime(m.end).date()) if m.end else ""}
        for m in marks)
    return {
        **c,
        "description": described,
        "label_x": c["left"] - 10,
        "plot_right": c["width"] - c["right"],
        "plot_bottom": c["top"] + plot_height,
        "axis_label_y": c["height"] - 8,
        "levels": [{"code": lv.code, "name": lv.localized_name, "y": y_of[lv.pk]}
                   for lv in levels],
        "marks": marks,
        "ticks": ticks,
        "hospital_level": hospital_level,
        "start": start,
        "end": end,
    }
