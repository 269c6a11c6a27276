"""Horizontal bar charts drawn on the server as SVG, with no JavaScript.

The geometry is computed here; templates/includes/bar_chart.svg.html only prints it.
The SVG has no viewBox, so its text stays at the page's text size at every width:
bar lengths are percentages of the chart's width, and labels are wrapped into lines
short enough for a 320 px screen."""

import textwrap
from dataclasses import dataclass

# Vertical layout, in CSS pixels.
LINE_HEIGHT = 20  # one line of a bar's label (16 px text)
BAR_HEIGHT = 24
GAP = 16  # between one bar and the next bar's label
# The longest bar takes this share of the width; the rest keeps room for its count.
LONGEST_BAR_PERCENT = 80
# About the most 16 px characters that fit in 290 px (320 px less the page margins).
WRAP_AT = 32


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    url: str
    lines: tuple[tuple[int, str], ...]  # (baseline y, text) of each label line
    y: int  # top of the bar
    height: int
    width: str  # percentage of the chart's width, e.g. "42.5"
    text_y: int  # baseline of the count printed after the bar


@dataclass(frozen=True)
class BarChart:
    id: str  # prefix of the ids the SVG's aria-labelledby points at
    title: str
    description: str
    category: str  # what each bar is, heading the table's first column
    unit: str  # what a bar counts, heading its second
    bars: tuple[Bar, ...]
    height: int

    @property
    def total(self):
        return sum(bar.value for bar in self.bars)


def bar_chart(chart_id, title, intro, category, unit, rows):
    """A chart of `rows`, (label, value, url) in the order they are drawn. `intro`
    opens the description a screen reader announces, before every bar's value."""
    longest = max((value for _, value, _ in rows), default=0)
    bars, y = [], 0
    for label, value, url in rows:
        wrapped = textwrap.wrap(label, WRAP_AT) or [""]
        lines = tuple(
            (y + LINE_HEIGHT * (n + 1) - 5, text) for n, text in enumerate(wrapped)
        )
        y += LINE_HEIGHT * len(wrapped) + 4
        share = value / longest * LONGEST_BAR_PERCENT if longest else 0
        bars.append(
            Bar(
                label=label,
                value=value,
                url=url,
                lines=lines,
                y=y,
                height=BAR_HEIGHT,
                width=f"{share:.1f}",
                text_y=y + BAR_HEIGHT - 6,
            )
        )
        y += BAR_HEIGHT + GAP
    values = "; ".join(f"{bar.label}: {bar.value}" for bar in bars)
    return BarChart(
        id=chart_id,
        title=title,
        description=f"{intro} {values}.",
        category=category,
        unit=unit,
        bars=tuple(bars),
        height=max(y - GAP, 0),
    )
