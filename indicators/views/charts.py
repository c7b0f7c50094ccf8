"""The pictures of the indicator pages, drawn on the server as SVG: coordinates only, so the
templates set every size through SVG attributes (the Content-Security-Policy allows no style
attribute). Every chart has a title and a description in words, and the page shows the same
numbers as a table beside it; a suppressed or empty value is a gap, never a zero."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats

LINE = {"width": 720, "height": 280, "left": 56, "right": 24, "top": 16, "bottom": 44}
PYRAMID = {"width": 640, "row": 34, "gap": 8, "left": 48, "right": 72, "top": 12,
           "bottom": 28}
BAR_SCALE = 100  # a table's bar is drawn in a viewBox 100 wide


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n at or above value (an axis's top)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _number(value) -> str:
    return formats.number_format(value, decimal_pos=1 if value % 1 else 0, use_l10n=True,
                                 force_grouping=True)


def bar_width(value: Decimal | None, top: float) -> float | None:
    """A table cell's bar, 0–100 of the viewBox; None where there is no value to draw."""
    if value is None or top <= 0:
        return None
    return round(max(0.0, min(float(value) / top, 1.0)) * BAR_SCALE, 2)


def scale_top(values, *, share: bool = False) -> float:
    """The value a full bar stands for: 100 for shares, else a round number above the
    largest value."""
    if share:
        return 100.0
    present = [float(v) for v in values if v is not None]
    return _nice_ceiling(max(present)) if present else 1.0


@dataclass
class Series:
    """One line of a trend chart: an area's values, period by period."""

    name: str
    css: str  # the line's class suffix: own, region, comparison
    values: list  # Decimal | None per period (None: suppressed or nothing to count)
    displays: list = field(default_factory=list)  # the cells' display strings
    segments: list = field(default_factory=list)
    points: list = field(default_factory=list)


def line_chart(labels: list[str], series: list[Series], *, share: bool = False,
               target: Decimal | None = None) -> dict | None:
    """A trend: the periods along the x axis, each series a line broken where a value is
    missing, a point at each value (a different shape per series, not only a colour)."""
    if not labels or not series:
        return None
    c = LINE
    plot_width = c["width"] - c["left"] - c["right"]
    plot_height = c["height"] - c["top"] - c["bottom"]
    values = [v for s in series for v in s.values if v is not None]
    if target is not None:
        values.append(target)
    top = scale_top(values, share=share)
    # A change can fall below zero: the axis then reaches a round number below the lowest.
    low = min((float(v) for v in values), default=0.0)
    bottom = -_nice_ceiling(-low) if low < 0 else 0.0
    span = top - bottom
    step = plot_width / max(len(labels) - 1, 1)

    def x(index):
        return round(c["left"] + (index * step if len(labels) > 1 else plot_width / 2), 1)

    def y(value):
        return round(c["top"] + plot_height - (float(value) - bottom) / span * plot_height, 1)

    for s in series:
        s.segments, current = [], []
        s.points = []
        for index, value in enumerate(s.values):
            if value is None:
                if current:
                    s.segments.append(" ".join(current))
                current = []
                continue
            current.append(f"{x(index)},{y(value)}")
            s.points.append({"x": x(index), "y": y(value), "sx": round(x(index) - 5, 1),
                             "sy": round(y(value) - 5, 1), "label": labels[index],
                             "display": s.displays[index] if s.displays else _number(value)})
        if current:
            s.segments.append(" ".join(current))
    # Every label when they fit, else every second or third (the table has them all).
    every = 1 if len(labels) <= 8 else 2 if len(labels) <= 16 else 3
    ticks = [{"x": x(i), "label": label, "shown": i % every == 0 or i == len(labels) - 1}
             for i, label in enumerate(labels)]
    grid = [{"y": y(bottom + span * fraction / 4), "label": _number(bottom + span * fraction / 4)}
            for fraction in range(5)]
    described = "; ".join(
        f"{s.name}: " + ", ".join(
            f"{label} {display}" for label, display in zip(
                labels, s.displays or [_number(v) if v is not None else "–" for v in s.values],
                strict=False))
        for s in series)
    return {
        **c,
        "series": series,
        "ticks": [t for t in ticks if t["shown"]],
        "grid": grid,
        "target_y": y(target) if target is not None and bottom <= float(target) <= top
        else None,
        "plot_right": c["width"] - c["right"],
        "plot_bottom": c["top"] + plot_height,
        "axis_label_y": c["height"] - 12,
        "label_x": c["left"] - 8,
        "description": described,
    }


def pyramid_chart(levels: list[dict], need: Decimal | None) -> dict | None:
    """A municipality's registered capacity per pyramid level, 5.3 at the top and 1 at the
    bottom, as bars from the left, with the level-4 norm (1 bed per 3 000 inhabitants) as a
    dashed line across level 4's row. levels: [{"code", "name", "capacity"}] bottom-up."""
    if not levels:
        return None
    c = PYRAMID
    plot_width = c["width"] - c["left"] - c["right"]
    top = scale_top([lv["capacity"] for lv in levels] + ([need] if need is not None else []))
    rows = []
    for index, level in enumerate(reversed(levels)):
        y = c["top"] + index * (c["row"] + c["gap"])
        capacity = level["capacity"] or 0
        width = round(float(capacity) / top * plot_width, 1) if top else 0
        rows.append({**level, "y": y, "text_y": y + c["row"] / 2, "width": width,
                     "end_x": c["left"] + width + 6,
                     "specialist": level["code"].startswith("5")})
    height = c["top"] + len(rows) * (c["row"] + c["gap"]) + c["bottom"]
    need_row = next((row for row in rows if row["code"] == "4"), None)
    need_x = (round(c["left"] + float(need) / top * plot_width, 1)
              if need is not None and need_row is not None else None)
    return {
        **c,
        "height": height,
        "rows": rows,
        "need_x": need_x,
        "need_y1": need_row["y"] - 4 if need_row else 0,
        "need_y2": need_row["y"] + c["row"] + 4 if need_row else 0,
        "label_x": c["left"] - 8,
        "axis_y": height - c["bottom"] + 4,
        "axis_label_y": height - 6,
        "plot_right": c["width"] - c["right"],
        "ticks": [{"x": round(c["left"] + plot_width * f / 4, 1),
                   "label": _number(top * f / 4)} for f in range(5)],
    }
