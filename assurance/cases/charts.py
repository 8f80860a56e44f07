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


# --- counts on the provider and location overviews ---------------------------------------

BAR_LABEL_WIDTH, BAR_ROW, BAR_HEIGHT = 130, 22, 14


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    href: str
    y: int
    width: float
    text_x: float


@dataclass(frozen=True)
class Bars:
    title: str
    description: str  # every bar's number, in words (the chart's text alternative)
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int


def count_bars(rows, *, title: str, width: int = WIDTH) -> Bars:
    """A horizontal bar per (label, count, link) row, scaled to the largest count."""
    rows = list(rows)
    room = width - BAR_LABEL_WIDTH - 36
    top = max([value for _, value, _ in rows] + [1])
    bars = tuple(
        Bar(
            label=str(label),
            value=int(value),
            href=href,
            y=i * BAR_ROW,
            width=round(value / top * room, 1),
            text_x=round(BAR_LABEL_WIDTH + value / top * room + 4, 1),
        )
        for i, (label, value, href) in enumerate(rows)
    )
    description = f"{title}: " + ", ".join(f"{b.label} {b.value}" for b in bars) + "."
    return Bars(
        title=title,
        description=description,
        bars=bars,
        width=width,
        height=max(len(bars), 1) * BAR_ROW,
        label_width=BAR_LABEL_WIDTH,
    )


@dataclass(frozen=True)
class TrendLine:
    name: str
    values: tuple[int, ...]
    points: tuple[tuple[float, float], ...]
    polyline: str
    style: int  # 1-4: which line style the stylesheet gives it


@dataclass(frozen=True)
class Trend:
    title: str
    description: str
    width: int
    height: int
    labels: tuple[tuple[float, str], ...]
    lines: tuple[TrendLine, ...]
    top: int  # the largest value, labelled on the axis
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float


def trend_chart(labels, series, *, title: str, width: int = WIDTH, height: int = HEIGHT) -> Trend:
    """Lines across periods: `labels` name the periods (oldest first), `series` is
    (name, counts) with one count per period."""
    labels = list(labels)
    series = list(series)
    left, right = PAD_LEFT, width - PAD_RIGHT
    top_y, bottom = PAD_TOP, height - PAD_BOTTOM
    top = max([v for _, values in series for v in values] + [1])
    step = (right - left) / max(len(labels) - 1, 1)

    def x_of(i):
        return round(left + i * step, 1)

    def y_of(v):
        return round(bottom - v / top * (bottom - top_y), 1)

    lines = []
    for n, (name, values) in enumerate(series):
        points = tuple((x_of(i), y_of(v)) for i, v in enumerate(values))
        lines.append(
            TrendLine(
                name=name,
                values=tuple(int(v) for v in values),
                points=points,
                polyline=" ".join(f"{x},{y}" for x, y in points),
                style=n % 4 + 1,
            )
        )
    description = (
        f"{title}: "
        + "; ".join(
            f"{line.name}: "
            + ", ".join(f"{label} {v}" for label, v in zip(labels, line.values, strict=True))
            for line in lines
        )
        + "."
    )
    return Trend(
        title=title,
        description=description,
        width=width,
        height=height,
        labels=tuple((x_of(i), label) for i, label in enumerate(labels)),
        lines=tuple(lines),
        top=top,
        plot_left=left,
        plot_right=right,
        plot_top=top_y,
        plot_bottom=bottom,
    )
