"""Geometry for the reports' small SVG bar charts. Pure Python."""

from dataclasses import dataclass

WIDTH = 360
LABEL_WIDTH = 150
BAR_WIDTH = 120
ROW = 20


@dataclass(frozen=True)
class BarRow:
    label: str
    y: int
    values: tuple[int, ...]
    widths: tuple[int, ...]
    text_x: int


@dataclass(frozen=True)
class BarChart:
    rows: tuple[BarRow, ...]
    height: int
    paired: bool
    caption: str


def bar_chart(bars, *, caption: str) -> BarChart:
    """`bars`: (label, value) rows, or (label, supporting, contradicting) for paired bars."""
    bars = list(bars)
    paired = bool(bars) and len(bars[0]) == 3
    top = max([max(b[1:]) for b in bars] + [1])
    rows = []
    for i, bar in enumerate(bars):
        values = tuple(int(v) for v in bar[1:])
        widths = tuple(round(v / top * BAR_WIDTH) for v in values)
        rows.append(
            BarRow(
                label=str(bar[0])[:22],
                y=i * ROW,
                values=values,
                widths=widths,
                text_x=LABEL_WIDTH + max(widths) + 4,
            )
        )
    return BarChart(
        rows=tuple(rows), height=max(len(rows), 1) * ROW, paired=paired, caption=caption
    )
