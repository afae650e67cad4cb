"""The trend chart's geometry: gaps by status over commits, as stacked step areas.

Hand-drawn SVG through the ``gapcheck/trend.html`` template rather than a charting library:
pygal, the light candidate that writes SVG without a browser, puts a random id and the build
date in every chart (no two builds byte-identical), fixed colours in an inline style sheet
(no light and dark palettes through CSS variables) and 1.3 MB of package behind it; the chart
needs four polygons, a few lines and labels. Colours come from the style sheet
(``gapcheck-trend-<status>`` classes), text and axes from ``currentColor``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .history import Point

#: bottom to top: what is done at the bottom, what is left on top
STACK: tuple[str, ...] = ("resolved", "accepted", "in-progress", "open")
#: at most this many commits are drawn and tabled, evenly picked (first and last kept)
MAX_POINTS = 100
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 34, 10, 10, 26


@dataclass(frozen=True, slots=True)
class Band:
    status: str
    points: str  #: the polygon's ``points`` attribute


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"  #: ``text-anchor``


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bands: list[Band]
    y_ticks: list[Label]  #: with a grid line at each y
    x_labels: list[Label]
    points: list[Point]  #: the commits drawn, oldest first (the table's rows)
    commits: int  #: how many commits the history has (more than drawn when sampled)
    latest: Point


def sample(points: list[Point], limit: int = MAX_POINTS) -> list[Point]:
    """At most ``limit`` points, evenly spread, the first and the last always in."""
    if len(points) <= limit:
        return list(points)
    last = len(points) - 1
    picks = sorted({round(i * last / (limit - 1)) for i in range(limit)})
    return [points[i] for i in picks]


def _step(top: int) -> int:
    """A round tick step giving at most five ticks up to ``top``."""
    raw = max(top / 4, 1.0)
    power = int(10 ** math.floor(math.log10(raw)))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def chart(history: list[Point]) -> Chart | None:
    """The chart of ``history``; None when it has no point."""
    if not history:
        return None
    drawn = sample(history)
    peak = max(p.total for p in drawn) or 1
    step = _step(peak)
    y_max = math.ceil(peak / step) * step
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    width = (x1 - x0) / len(drawn)

    def y(value: float) -> float:
        return round(y1 - (y1 - y0) * value / y_max, 1)

    def x(i: int) -> float:
        return round(x0 + width * i, 1)

    bands = []
    below = [0] * len(drawn)
    for status in STACK:
        above = [b + p.by_status.get(status, 0) for b, p in zip(below, drawn, strict=True)]
        if any(a != b for a, b in zip(above, below, strict=True)):
            upper = [(x(i + k), y(a)) for i, a in enumerate(above) for k in (0, 1)]
            lower = [(x(i + k), y(b)) for i, b in reversed(list(enumerate(below)))
                     for k in (1, 0)]
            bands.append(Band(status, " ".join(f"{px:g},{py:g}" for px, py in upper + lower)))
        below = above
    ticks = [Label(x0 - 6, y(v), str(v), "end") for v in range(0, y_max + 1, step)]
    base = y1 + 17
    labels = [Label(x0, base, drawn[0].date.isoformat(), "start")]
    if len(drawn) > 1:
        labels.append(Label(x1, base, drawn[-1].date.isoformat(), "end"))
    return Chart(WIDTH, HEIGHT, x0, x1, y0, y1, bands, ticks, labels, drawn, len(history),
                 drawn[-1])
