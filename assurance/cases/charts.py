"""Geometry for small server-side SVG indicator charts (no JavaScript; WeasyPrint renders the
same SVG in PDFs). Pure Python: takes numbers and dates, returns coordinates."""

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 320, 140
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 12, 26


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: tuple[Point, ...]
    polyline: str
    baseline_y: float
    target_y: float
    y_ticks: tuple[tuple[float, str], ...]
    x_labels: tuple[tuple[float, str], ...]
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    description: str


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"  # the UK way, as reports write dates


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def indicator_chart(
    *, name: str, unit: str, baseline: float, target: float, readings, width=WIDTH, height=HEIGHT
) -> Chart:
    """`readings`: iterable of (date, value); same-date readings (per team) are averaged."""
    by_date: dict[date, list[float]] = {}
    for on, value in readings:
        by_date.setdefault(on, []).append(float(value))
    series = sorted((on, sum(vs) / len(vs)) for on, vs in by_date.items())
    values = [v for _, v in series] + [baseline, target]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    margin = (high - low) * 0.08
    low, high = low - margin, high + margin
    left, right = PAD_LEFT, width - PAD_RIGHT
    top, bottom = PAD_TOP, height - PAD_BOTTOM

    def y_of(v):
        return round(bottom - (v - low) / (high - low) * (bottom - top), 1)

    if len(series) >= 2:
        first, last = series[0][0], series[-1][0]
        span = max((last - first).days, 1)

        def x_of(on):
            return round(left + (on - first).days / span * (right - left), 1)
    else:

        def x_of(on):
            return round((left + right) / 2, 1)

    suffix = f" {unit}" if unit and unit != "%" else unit or ""
    points = tuple(Point(x_of(on), y_of(v), f"{_day(on)}: {_fmt(v)}{suffix}") for on, v in series)
    ticks = tuple((y_of(v), _fmt(v)) for v in sorted({baseline, target}))
    x_labels = ()
    if series:
        x_labels = ((points[0].x, f"{series[0][0]:%B %Y}"),)
        if len(series) > 1:
            x_labels += ((points[-1].x, f"{series[-1][0]:%B %Y}"),)
    if series:
        latest_on, latest = series[-1]
        description = (
            f"{name}: baseline {_fmt(baseline)}{suffix}, target {_fmt(target)}{suffix}, "
            f"{len(series)} reading{'s' if len(series) != 1 else ''}, latest {_fmt(latest)}"
            f"{suffix} on {_day(latest_on)}."
        )
    else:
        description = (
            f"{name}: baseline {_fmt(baseline)}{suffix}, target {_fmt(target)}{suffix}, "
            "no readings yet."
        )
    return Chart(
        width=width,
        height=height,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        baseline_y=y_of(baseline),
        target_y=y_of(target),
        y_ticks=ticks,
        x_labels=x_labels,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        description=description,
    )
