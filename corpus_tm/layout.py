"""Layout checks: a matplotlib figure in, the problems a journal would see in it out.

In: a :class:`matplotlib.figure.Figure` (any figure: the registered figures of
:mod:`corpus_tm.figures` or one of your own).
Out: :func:`text_boxes`, a tidy table of every line of text the figure draws (its string,
font size and the four corners of its box on the canvas), and :func:`layout_problems`, a list
of readable problems: texts whose boxes overlap, text smaller than :data:`MIN_FONT_SIZE`
points, text running outside the figure's canvas, and a figure whose saved image is wider than
:data:`MAX_WIDTH` inches (the text width of a journal page).

How it measures: the figure is drawn once with the Agg renderer (as the figures command saves
it, at the given dpi, constrained layout included) and every call the drawing makes to draw a
line of text is recorded: the line's string, its font size, where its baseline starts and its
angle. A line's box is the box of its glyphs (width, height and descent from the renderer's
font metrics), turned by the line's angle, so rotated tick labels are compared as the slanted
boxes they are (not as the larger upright boxes around them, which overlap whenever labels
are slanted). Only text that is drawn counts: hidden Axes, tick labels outside the view and
empty strings are not measured. Nothing is written to disk; the figure is left as it was, its
dpi included. The result depends only on the figure, the fonts and the matplotlib version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure

MIN_FONT_SIZE = 7.0
"""Smallest font size (points) at the figure's size: what a journal prints legibly."""
MAX_WIDTH = 7.0
"""Widest figure (inches) as saved: the text width of a two-column journal page."""
OVERLAP_TOLERANCE = 0.5
"""Points two text boxes may run into each other before it counts as an overlap."""
EDGE_TOLERANCE = 0.5
"""Points a text box may stick out of the canvas before it counts as outside."""

_COLUMNS = ["text", "size", "angle", "x0", "y0", "x1", "y1", "corners"]


class _RecordingRenderer(RendererAgg):
    """An Agg renderer that records each line of text instead of drawing its glyphs."""

    def __init__(self, width: float, height: float, dpi: float) -> None:
        super().__init__(width, height, dpi)
        self.lines: list[dict[str, Any]] = []

    def draw_text(  # type: ignore[override]
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        if not s.strip():
            return
        width, height, descent = self.get_text_width_height_descent(s, prop, ismath)
        y = self.height - y  # Agg gets y downwards (flipy); the boxes are kept upwards
        theta = math.radians(angle)
        cos, sin = math.cos(theta), math.sin(theta)
        top = height - descent
        local = ((0.0, -descent), (width, -descent), (width, top), (0.0, top))
        corners = tuple((x + u * cos - v * sin, y + u * sin + v * cos) for u, v in local)
        self.lines.append(
            {"text": s, "size": float(prop.get_size_in_points()), "angle": float(angle),
             "corners": corners}
        )

    def draw_tex(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, *,
                 mtext: Any = None) -> None:
        self.draw_text(gc, x, y, s, prop, angle, ismath="TeX", mtext=mtext)


@dataclass(frozen=True)
class _Drawing:
    lines: list[dict[str, Any]]
    width: float  # canvas, px
    height: float
    dpi: float
    tight_width: float  # the upright box around everything drawn, px


def _draw(figure: Figure, dpi: float | None) -> _Drawing:
    """Draw ``figure`` at ``dpi`` and record its text lines (px, from the lower left)."""
    original = figure.dpi
    dpi = float(dpi) if dpi is not None else float(original)
    try:
        figure.set_dpi(dpi)
        width, height = figure.bbox.width, figure.bbox.height
        renderer = _RecordingRenderer(width, height, dpi)
        figure.draw(renderer)
        tight = figure.get_tightbbox(renderer)
    finally:
        figure.set_dpi(original)
    tight_width = tight.width * dpi if tight is not None else width  # get_tightbbox: inches
    return _Drawing(renderer.lines, width, height, dpi, tight_width)


def text_boxes(figure: Figure, *, dpi: float | None = None) -> pd.DataFrame:
    """Every line of text ``figure`` draws, with its box on the canvas.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to measure; it is drawn once and left as it was.
    dpi : float, optional
        Resolution to draw at (the figures command saves at the study's ``figures.dpi``); by
        default the figure's own.

    Returns
    -------
    pandas.DataFrame
        One row per line of text, in drawing order: ``text``, ``size`` (points), ``angle``
        (degrees), ``x0, y0, x1, y1`` (the upright box around the line in points from the
        canvas's lower left corner) and ``corners`` (the line's own, possibly turned, box: four
        (x, y) points, in points).
    """
    drawing = _draw(figure, dpi)
    return _table(drawing.lines, 72.0 / drawing.dpi)


def _table(lines: list[dict[str, Any]], scale: float) -> pd.DataFrame:
    rows = []
    for line in lines:
        corners = tuple((x * scale, y * scale) for x, y in line["corners"])
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        rows.append({**line, "x0": min(xs), "y0": min(ys), "x1": max(xs), "y1": max(ys),
                     "corners": corners})
    return pd.DataFrame(rows, columns=_COLUMNS)


def _penetration(a: np.ndarray, b: np.ndarray) -> float:
    """How far two convex quadrilaterals run into each other (0 when they are apart).

    Separating axis theorem: the smallest overlap of their projections on the edge normals of
    both; a gap on any axis means they do not meet.
    """
    depth = math.inf
    for quad in (a, b):
        for i in range(4):
            edge = quad[(i + 1) % 4] - quad[i]
            length = math.hypot(edge[0], edge[1])
            if length == 0.0:
                continue
            normal = np.array([-edge[1], edge[0]]) / length
            pa, pb = a @ normal, b @ normal
            overlap = min(pa.max(), pb.max()) - max(pa.min(), pb.min())
            if overlap <= 0.0:
                return 0.0
            depth = min(depth, overlap)
    return 0.0 if depth == math.inf else float(depth)


def _short(text: str, width: int = 40) -> str:
    text = text.replace("\n", " ")
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def layout_problems(
    figure: Figure,
    *,
    dpi: float | None = None,
    min_size: float = MIN_FONT_SIZE,
    max_width: float = MAX_WIDTH,
    overlap_tolerance: float = OVERLAP_TOLERANCE,
    edge_tolerance: float = EDGE_TOLERANCE,
) -> list[str]:
    """What is wrong with a figure's layout for print: overlaps, small text, spill, width.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to check, as it would be saved: drawn once with Agg (constrained layout
        included) under the current ``rcParams`` (``savefig.bbox`` and ``savefig.pad_inches``
        decide the saved width, so call this inside the same ``rc_context`` the figure is
        saved in, e.g. :data:`corpus_tm.figures.STYLE`). It is left as it was.
    dpi : float, optional
        Resolution to draw at (text metrics are hinted per pixel); by default the figure's.
    min_size : float, default :data:`MIN_FONT_SIZE`
        Smallest font size in points.
    max_width : float, default :data:`MAX_WIDTH`
        Widest saved image in inches.
    overlap_tolerance : float, default :data:`OVERLAP_TOLERANCE`
        Points two text boxes may run into each other.
    edge_tolerance : float, default :data:`EDGE_TOLERANCE`
        Points a text may stick out of the canvas.

    Returns
    -------
    list of str
        One line per problem, starting with its kind: ``"overlap: "``, ``"small text: "``,
        ``"outside: "`` or ``"too wide: "``, then the texts and numbers; empty when the figure
        is fine. Sorted, so the same figure gives the same list.
    """
    drawing = _draw(figure, dpi)
    scale = 72.0 / drawing.dpi  # px -> pt
    table = _table(drawing.lines, scale)
    problems: list[str] = []

    saved = drawing.width / drawing.dpi
    if mpl.rcParams["savefig.bbox"] == "tight":
        pad = mpl.rcParams["savefig.pad_inches"]
        pad = pad if isinstance(pad, int | float) else 0.0
        saved = drawing.tight_width / drawing.dpi + 2 * pad
    if saved > max_width + 0.5 / drawing.dpi:
        problems.append(
            f"too wide: the saved figure is {saved:.2f} in wide (at most {max_width:g})"
        )

    for row in table.itertuples():
        if row.size < min_size - 1e-9:
            problems.append(f"small text: {_short(row.text)} is {row.size:.1f} pt (at least "
                            f"{min_size:g})")
        width_pt, height_pt = drawing.width * scale, drawing.height * scale
        spill = max(-row.x0, -row.y0, row.x1 - width_pt, row.y1 - height_pt)
        if spill > edge_tolerance:
            problems.append(f"outside: {_short(row.text)} runs {spill:.1f} pt out of the canvas")

    quads = [np.asarray(c, dtype=float) for c in table["corners"]]
    texts = table["text"].tolist()
    boxes = table[["x0", "y0", "x1", "y1"]].to_numpy(dtype=float)
    order = np.argsort(boxes[:, 0], kind="stable")
    for i, a in enumerate(order):
        for b in order[i + 1 :]:
            if boxes[b, 0] >= boxes[a, 2] - overlap_tolerance:
                break  # sorted by left edge: the rest start right of this one's right edge
            if boxes[b, 1] >= boxes[a, 3] or boxes[a, 1] >= boxes[b, 3]:
                continue  # upright boxes apart: so are the turned ones inside them
            depth = _penetration(quads[a], quads[b])
            if depth > overlap_tolerance:
                first, second = sorted((texts[a], texts[b]))
                problems.append(f"overlap: {_short(first)} and {_short(second)} by {depth:.1f} pt")
    return sorted(problems)
