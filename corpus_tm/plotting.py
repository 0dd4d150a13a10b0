"""Plotting: tidy tables in, matplotlib Axes out.

In: the tidy tables made by the earlier stages: section shares (``method, level, doc_id,
section, label, order, domain, share, lower, upper, n_units, n_tokens``), top terms
(``topic, rank, term, weight``), a topic-to-domain mapping table, and sweep metrics (one row
per k x seed).
Out: drawings on the Axes you pass (or the current Axes), which are returned. Nothing here
saves a file, calls ``plt.show()`` or changes global style; :mod:`corpus_tm.figures` does the
saving. Every domain has one colour, the same in every figure (:func:`domain_colors`).

Chinese (and Japanese and Korean) text in a figure -- section headings of Chinese
originals, Chinese terms, domain labels such as ``生物安全`` given with ``domain_labels`` --
renders with Noto Sans CJK, which the ``noto-cjk-sans-otc`` package ships (SIL Open Font
Licence): :func:`use_cjk_fallback`, which every ``plot_*`` function calls on its Axes,
registers the font with matplotlib when a text of the Axes has such characters and adds it
to that text's font list *after* its own font, so that Latin letters keep their font and
only the characters the font lacks come from Noto. Texts without such characters are not
touched, so English figures stay byte for byte what they were.
"""

from __future__ import annotations

import functools
import re
import textwrap
import warnings
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle
from matplotlib.table import Table
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from corpus_tm.errors import ConfigError, CorpusTmWarning
from corpus_tm.reporting import shorten_label

DOMAIN_ORDER: tuple[str, ...] = (
    "political",
    "homeland",
    "military",
    "economic",
    "cultural",
    "social",
    "science_technology",
    "cyber",
    "ecological",
    "resource",
    "nuclear",
    "overseas_interests",
    "biological",
    "space",
    "deep_sea",
    "polar",
    "financial",
    "food",
    "artificial_intelligence",
    "data",
)
# Paul Tol's colour-blind-safe "muted" and "light" schemes (https://personal.sron.nl/~pault/),
# then a few of his "dark" and "pale" tones: 20 distinct colours, and grey for "other".
_PALETTE = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#77AADD",
    "#EE8866",
    "#EEDD88",
    "#FFAABB",
    "#99DDFF",
    "#BBCC33",
    "#AAAA00",
    "#222255",
    "#663333",
    "#225555",
    "#666633",
)
OTHER_COLOR = "#BBBBBB"

TEXT_SIZE = 7.0
"""Font size (points) of the smallest texts drawn: cell numbers, intervals, term labels, tick
labels. 7 pt is the smallest a journal prints legibly at the figure's size
(:data:`corpus_tm.layout.MIN_FONT_SIZE`)."""
MIN_INTERVAL_UNITS = 5
"""Fewest units (paragraphs, articles) a section needs for its interval to be drawn. A
bootstrap interval over two to four units says little (it is the spread of a handful of
resamples), so sections with fewer show their number of units, ``n = 3``, instead."""

CJK_FAMILY = "Noto Sans CJK SC"
"""The font family that draws Chinese, Japanese and Korean characters (its Simplified Chinese
face; the collection has the Traditional Chinese, Japanese and Korean faces too)."""
# CJK radicals, punctuation, kana, Bopomofo, ideographs (with extension A), Hangul,
# compatibility ideographs and full-width forms: characters DejaVu Sans does not have.
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)


@functools.cache
def _cjk_font_path() -> str | None:
    """Register the bundled Noto Sans CJK collection with matplotlib; its path, or None."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = str(noto_cjk_sans_otc.FONT_PATH)
    if not any(entry.fname == path for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    return path


def use_cjk_fallback(target: Artist) -> int:
    """Let the Chinese, Japanese and Korean characters of a figure's texts render.

    Every text of ``target`` (tick labels, titles, legends, annotations, table cells) that
    has such a character gets :data:`CJK_FAMILY` added to its font list after its own fonts
    (matplotlib's font fallback): its Latin letters, digits and marks keep their font and the
    characters that font lacks come from Noto Sans CJK. The font file comes with the
    ``noto-cjk-sans-otc`` package and is registered with matplotlib's font manager on first
    use; nothing is downloaded. Texts without such characters are not changed.

    Parameters
    ----------
    target : matplotlib.artist.Artist
        An Axes or a whole Figure (for texts outside Axes, such as ``suptitle``).

    Returns
    -------
    int
        The number of texts given the fallback (0 when there were none).

    Warns
    -----
    CorpusTmWarning
        When there are such texts but the font package is not installed (they would be
        drawn as empty boxes); install ``noto-cjk-sans-otc``.
    """
    texts = [t for t in target.findobj(Text) if _CJK.search(t.get_text())]
    for table in target.findobj(Table):
        texts.extend(
            cell.get_text()
            for cell in table.get_celld().values()
            if _CJK.search(cell.get_text().get_text())
        )
    if not texts:
        return 0
    if _cjk_font_path() is None:
        warnings.warn(
            f"{len(texts)} texts have Chinese, Japanese or Korean characters, but the font "
            "package noto-cjk-sans-otc is not installed, so they are drawn as empty boxes; "
            "install it (pip install noto-cjk-sans-otc).",
            CorpusTmWarning,
            stacklevel=2,
        )
        return 0
    for text in texts:
        families = list(text.get_fontfamily())
        if CJK_FAMILY not in families:
            text.set_fontfamily([*families, CJK_FAMILY])
    return len(texts)


def _domain_label(domain: str, labels: Mapping[str, str] | None) -> str:
    """A domain's label in figures: ``labels[domain]`` or the id with spaces."""
    if labels is not None and domain in labels:
        return str(labels[domain])
    return domain.replace("_", " ")


def domain_colors(domains: Sequence[str] | None = None) -> dict[str, str]:
    """One colour per domain, the same in every figure.

    The twenty domains of the default lexicon keep fixed colours; other domain ids (from a
    lexicon of your own) get the colours not taken by the default domains among ``domains``,
    in sorted order; ``other`` is grey.

    Parameters
    ----------
    domains : sequence of str, optional
        Domain ids to colour; by default those of the default lexicon.

    Returns
    -------
    dict
        Domain id to hex colour.
    """
    colors = dict(zip(DOMAIN_ORDER, _PALETTE, strict=True))
    requested = list(domains) if domains is not None else list(DOMAIN_ORDER)
    extra = sorted(set(requested) - set(colors) - {"other"})
    taken = {colors[d] for d in requested if d in colors}
    spare = [c for c in _PALETTE if c not in taken] or list(_PALETTE)
    for i, domain in enumerate(extra):
        colors[domain] = spare[i % len(spare)]
    colors["other"] = OTHER_COLOR
    if domains is not None:
        return {d: colors[d] for d in domains}
    return colors


def _check_columns(data: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ConfigError(
            f"{name} needs the column(s) {', '.join(missing)}; pass the table "
            "made by the corresponding corpus_tm function."
        )


def _select(
    shares: pd.DataFrame, *, method: str | None, doc_id: str | None, level: str | None
) -> pd.DataFrame:
    _check_columns(
        shares, ["method", "level", "doc_id", "label", "order", "domain", "share"], "shares"
    )
    selected = shares
    whole_documents = level == "document" or (
        level is None and set(shares["level"].unique()) == {"document"}
    )
    for column, value in (("method", method), ("doc_id", doc_id), ("level", level)):
        if value is not None:
            selected = selected[selected[column] == value]
        elif column == "doc_id" and whole_documents:
            # rows are documents: keep them all, in the table's order
            order = {d: i for i, d in enumerate(dict.fromkeys(selected["doc_id"]))}
            selected = selected.assign(order=selected["doc_id"].map(order))
        else:
            values = selected[column].unique()
            if len(values) > 1:
                raise ConfigError(
                    f"shares holds several {column} values ({', '.join(map(str, values))}); "
                    f"pass {column}= to choose one."
                )
    if selected.empty:
        raise ConfigError(
            f"no rows in shares for method={method!r}, doc_id={doc_id!r}, level={level!r}."
        )
    return selected


def _wrap(label: str, width: int, max_lines: int | None = 3) -> str:
    """``label`` in lines of at most ``width`` characters (a CJK character, one em wide,
    counts as 1.8 Latin ones), at most ``max_lines`` of them (the last ends with "…"), so that
    a 5,000-character label stays small."""
    text = str(label)
    cjk = len(_CJK.findall(text))
    width = max(4, int(width * len(text) / (len(text) + 0.8 * cjk))) if cjk else width
    if len(text) <= width:
        return text
    lines = textwrap.wrap(text, width, break_on_hyphens=False)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip(" ,;:、，") + "…"
    return "\n".join(lines)


def _with_n(labels: Sequence[str], n_units: np.ndarray | None) -> list[str]:
    """Labels, with ``n = ...`` added to those of sections too small for an interval."""
    if n_units is None:
        return list(labels)
    return [
        f"{label} (n = {int(n)})" if np.isfinite(n) and n < MIN_INTERVAL_UNITS else str(label)
        for label, n in zip(labels, n_units, strict=True)
    ]


def _section_units(selected: pd.DataFrame, table: pd.DataFrame) -> np.ndarray | None:
    """Units per row of a wide table (``n_units``), or None when the shares do not say."""
    if "n_units" not in selected.columns:
        return None
    # the wide table's rows are the (order, label) pairs in this order (see _wide)
    units = selected.groupby(["order", "label"], sort=True)["n_units"].max().to_numpy(dtype=float)
    return units if len(units) == len(table) else None


def _domain_order(domains: Sequence[str]) -> list[str]:
    known = [d for d in DOMAIN_ORDER if d in domains]
    rest = sorted(d for d in domains if d not in DOMAIN_ORDER and d != "other")
    return known + rest + (["other"] if "other" in domains else [])


def _wide(
    selected: pd.DataFrame, domains: Sequence[str] | None, value: str = "share"
) -> pd.DataFrame:
    keys = ["order", "label", "domain"]
    if selected.duplicated(keys).any():
        raise ConfigError(
            "shares has several rows per section and domain; select one method, document "
            "and level first."
        )
    # unstack, not pivot_table: pivot_table drops all-NaN rows (sections with one unit have no
    # interval) or, with dropna=False, makes every combination of order and label
    table = selected.set_index(keys)[value].unstack("domain").sort_index()  # noqa: PD010
    table.index = table.index.get_level_values("label")
    columns = list(domains) if domains is not None else _domain_order(list(table.columns))
    missing = [d for d in columns if d not in table.columns]
    if missing:
        raise ConfigError(f"domains not in shares: {', '.join(missing)}.")
    return table[columns]


def top_domains(shares: pd.DataFrame, n: int = 8, *, include_other: bool = False) -> list[str]:
    """The ``n`` domains with the largest token-weighted mean share in ``shares``.

    Domains whose share is zero everywhere are left out; the result is in the fixed domain
    order (:data:`DOMAIN_ORDER`), with ``other`` last when ``include_other`` is true.
    """
    _check_columns(shares, ["domain", "share"], "shares")
    weights = shares["n_tokens"] if "n_tokens" in shares.columns else None
    frame = shares.assign(_w=1.0 if weights is None else weights)
    means = frame.assign(_ws=frame["share"] * frame["_w"]).groupby("domain")[["_ws", "_w"]].sum()
    ranked = (means["_ws"] / means["_w"]).sort_values(ascending=False, kind="stable")
    ranked = ranked[ranked > 0]
    if not include_other:
        ranked = ranked.drop("other", errors="ignore")
    chosen = list(ranked.drop("other", errors="ignore").index[:n])
    if include_other and "other" in ranked.index:
        chosen.append("other")
    return _domain_order(chosen)


def plot_section_heatmap(
    shares: pd.DataFrame,
    *,
    method: str | None = None,
    doc_id: str | None = None,
    level: str | None = None,
    domains: Sequence[str] | None = None,
    annotate: bool = True,
    intervals: bool = False,
    cmap: str = "Blues",
    vmax: float | None = None,
    label_width: int = 28,
    colorbar: bool = True,
    unresolved: Sequence[str] = (),
    domain_labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Sections (rows, in document order) by domains (columns), coloured by share.

    Parameters
    ----------
    shares : pandas.DataFrame
        Section shares (``method, level, doc_id, label, order, domain, share``; ``lower`` and
        ``upper`` for ``intervals=True``).
    method, doc_id, level : str, optional
        Rows to draw; needed when ``shares`` holds more than one value.
    domains : sequence of str, optional
        Columns to draw, in this order; by default every domain in ``shares``.
    annotate : bool, default True
        Write the share (in percent) in each cell.
    intervals : bool, default False
        Also write the interval ``[lower, upper]`` under each share, for sections of at
        least :data:`MIN_INTERVAL_UNITS` units (``n_units``); the labels of smaller sections
        say their number of units (``n = 3``) instead.
    cmap : str, default "Blues"
        Colour map for the shares.
    vmax : float, optional
        Share at the top of the colour scale (default: the largest share drawn).
    label_width : int, default 28
        Section labels longer than this are wrapped.
    colorbar : bool, default True
        Draw a colour bar.
    unresolved : sequence of str, default ()
        Domains the method did not resolve (:func:`corpus_tm.unresolved_domains`): their
        column is hatched grey and says "n.r." instead of showing a 0 that is no finding.
    domain_labels : mapping of str to str, optional
        Labels of the domains, e.g. ``{d.id: d.label for d in
        lexicon.for_language("zh")}`` for Chinese ones; by default the domain ids with
        spaces. Chinese labels render (:func:`use_cjk_fallback`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax if ax is not None else plt.gca()
    selected = _select(shares, method=method, doc_id=doc_id, level=level)
    table = _wide(selected, domains)
    not_resolved = [table.columns.get_loc(d) for d in unresolved if d in table.columns]
    for col in not_resolved:
        table.iloc[:, col] = np.nan
    values = table.to_numpy(dtype=float)
    top = vmax if vmax is not None else float(np.nanmax(values)) or 1.0
    image = ax.imshow(values, cmap=cmap, vmin=0.0, vmax=top, aspect="auto")
    ax.set_xticks(
        range(table.shape[1]),
        [_domain_label(d, domain_labels) for d in table.columns],
        rotation=45,
        ha="right",
        rotation_mode="anchor",
    )
    n_units = _section_units(selected, table) if intervals else None
    row_labels = _with_n([_wrap(label, label_width) for label in table.index], n_units)
    ax.set_yticks(range(table.shape[0]), row_labels)
    ax.tick_params(length=0)
    for col in not_resolved:
        ax.add_patch(
            Rectangle(
                (col - 0.5, -0.5),
                1.0,
                table.shape[0],
                facecolor="0.9",
                edgecolor="0.6",
                hatch="///",
                linewidth=0.0,
            )
        )
        ax.text(col, -0.6, "n.r.", ha="center", va="bottom", fontsize=TEXT_SIZE, color="0.3")
    if annotate:
        lower = _wide(selected, list(table.columns), "lower").to_numpy() if intervals else None
        upper = _wide(selected, list(table.columns), "upper").to_numpy() if intervals else None
        for (row, col), value in np.ndenumerate(values):
            if np.isnan(value):
                continue
            text = f"{100 * value:.0f}"
            small = n_units is not None and n_units[row] < MIN_INTERVAL_UNITS
            if intervals and lower is not None and upper is not None and not small:
                lo, hi = lower[row, col], upper[row, col]
                if not (np.isnan(lo) or np.isnan(hi)) and hi >= 0.005:
                    text += f"\n[{100 * lo:.0f}–{100 * hi:.0f}]"
            rgb = image.cmap(image.norm(value))[:3]
            dark = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] < 0.5
            ax.text(
                col,
                row,
                text,
                ha="center",
                va="center",
                fontsize=TEXT_SIZE,
                color="white" if dark else "black",
            )
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
        bar.set_label("share of tokens")
        bar.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    ax.set_xlabel("domain")
    ax.set_ylabel("document" if set(selected["level"]) == {"document"} else "section")
    use_cjk_fallback(ax)
    return ax


def plot_domain_bars(
    shares: pd.DataFrame,
    *,
    method: str | None = None,
    doc_id: str | None = None,
    level: str | None = None,
    domains: Sequence[str] | None = None,
    label_width: int = 28,
    legend: bool = True,
    domain_labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Domain shares per section as stacked horizontal bars, sections top to bottom.

    Domains not in ``domains`` are added up into ``other`` so each bar sums to its total.

    Parameters
    ----------
    shares : pandas.DataFrame
        Section shares, as for :func:`plot_section_heatmap`.
    method, doc_id, level, domains, label_width
        As for :func:`plot_section_heatmap`.
    legend : bool, default True
        Draw a legend to the right of the bars (clear of the title above them).
    domain_labels : mapping of str to str, optional
        Labels of the domains in the legend, as for :func:`plot_section_heatmap`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax if ax is not None else plt.gca()
    selected = _select(shares, method=method, doc_id=doc_id, level=level)
    table = _wide(selected, None).fillna(0.0)
    keep = list(domains) if domains is not None else list(table.columns)
    rest = [d for d in table.columns if d not in keep]
    if rest:
        kept_other = table["other"] if "other" in keep else 0.0
        table["other"] = table[rest].sum(axis=1) + kept_other
        keep = [d for d in keep if d != "other"] + ["other"]
    table = table[keep]
    colors = domain_colors(keep)
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for domain in keep:
        values = table[domain].to_numpy(dtype=float)
        ax.barh(
            y,
            values,
            left=left,
            color=colors[domain],
            label=_domain_label(domain, domain_labels),
            edgecolor="white",
            linewidth=0.5,
            height=0.8,
        )
        left += values
    ax.set_yticks(y, [_wrap(label, label_width) for label in table.index])
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.0, float(left.max())))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    ax.set_xlabel("share of tokens")
    ax.spines[["top", "right"]].set_visible(False)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    use_cjk_fallback(ax)
    return ax


def plot_domain_flow(
    shares: pd.DataFrame,
    *,
    method: str | None = None,
    doc_id: str | None = None,
    level: str | None = None,
    domains: Sequence[str] | None = None,
    bands: bool = True,
    label_width: int = 14,
    legend: bool = True,
    domain_labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Domain shares along document order, one line per domain, with interval bands.

    Parameters
    ----------
    shares : pandas.DataFrame
        Section shares with ``lower`` and ``upper`` for the bands.
    method, doc_id, level : str, optional
        Rows to draw.
    domains : sequence of str, optional
        Domains to draw (default: the eight largest, :func:`top_domains`).
    bands : bool, default True
        Shade the interval between ``lower`` and ``upper`` over the sections of at least
        :data:`MIN_INTERVAL_UNITS` units (``n_units``); the labels of smaller sections say
        their number of units (``n = 3``) instead.
    label_width : int, default 14
        Section labels longer than this are wrapped.
    legend : bool, default True
        Draw a legend to the right.
    domain_labels : mapping of str to str, optional
        Labels of the domains in the legend, as for :func:`plot_section_heatmap`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax if ax is not None else plt.gca()
    selected = _select(shares, method=method, doc_id=doc_id, level=level)
    domains = list(domains) if domains is not None else top_domains(selected)
    table = _wide(selected, domains)
    x = np.arange(len(table))
    colors = domain_colors(domains)
    has_bands = bands and {"lower", "upper"} <= set(selected.columns)
    n_units = _section_units(selected, table) if has_bands else None
    enough = n_units >= MIN_INTERVAL_UNITS if n_units is not None else np.ones(len(x), bool)
    for domain in domains:
        ax.plot(
            x,
            table[domain].to_numpy(dtype=float),
            marker="o",
            markersize=3,
            color=colors[domain],
            label=_domain_label(domain, domain_labels),
            linewidth=1.5,
        )
        if has_bands and enough.any():
            lower = _wide(selected, [domain], "lower")[domain].to_numpy(dtype=float)
            upper = _wide(selected, [domain], "upper")[domain].to_numpy(dtype=float)
            ax.fill_between(
                x,
                np.where(enough, lower, np.nan),
                np.where(enough, upper, np.nan),
                color=colors[domain],
                alpha=0.18,
                linewidth=0,
            )
    many = len(x) > 12  # upright labels, two lines at most, so that neighbours stay apart
    ax.set_xticks(
        x,
        _with_n([_wrap(label, label_width, max_lines=2 if many else 3) for label in table.index],
                n_units),
        rotation=90 if many else 60,
        ha="right",
        va="center" if len(x) > 12 else "top",
        rotation_mode="anchor",
    )
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    ax.set_ylabel("share of tokens")
    ax.spines[["top", "right"]].set_visible(False)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    use_cjk_fallback(ax)
    return ax


def plot_top_terms(
    top_terms: pd.DataFrame,
    *,
    mapping: pd.DataFrame | Mapping[int, str] | None = None,
    n_terms: int = 8,
    ncols: int = 4,
    label_width: int = 18,
    axes: np.ndarray | None = None,
) -> np.ndarray:
    """Top terms per topic as small multiples of horizontal bars, titled with the domain.

    Parameters
    ----------
    top_terms : pandas.DataFrame
        ``topic, rank, term, weight`` (``TopicModel.top_terms()``).
    mapping : DataFrame or mapping, optional
        Topic to domain: a mapping table with ``topic`` and ``domain`` columns or a dict.
        Bars take the domain's colour and panels its name.
    n_terms : int, default 8
        Terms per topic.
    ncols : int, default 4
        Panels per row when ``axes`` is not given.
    label_width : int, default 18
        Terms longer than this are wrapped; a term of two lines gets the height of two.
    axes : array of Axes, optional
        One Axes per topic; a new figure is made when not given.

    Returns
    -------
    numpy.ndarray of Axes
    """
    _check_columns(top_terms, ["topic", "rank", "term", "weight"], "top_terms")
    topics = sorted(top_terms["topic"].unique())
    if isinstance(mapping, pd.DataFrame):
        _check_columns(mapping, ["topic", "domain"], "mapping")
        domain_of = dict(zip(mapping["topic"], mapping["domain"], strict=True))
    else:
        domain_of = dict(mapping or {})
    if axes is None:
        nrows = int(np.ceil(len(topics) / ncols))
        _, axes = plt.subplots(
            nrows, ncols, figsize=(1.8 * ncols, 1.6 * nrows), squeeze=False, layout="constrained"
        )
    flat = np.asarray(axes).ravel()
    if len(flat) < len(topics):
        raise ConfigError(f"axes has {len(flat)} Axes for {len(topics)} topics.")
    colors = domain_colors(sorted(set(domain_of.values()) | {"other"}))
    labels = term_labels(top_terms, n_terms=n_terms, width=label_width)
    # a term of two lines gets the room of two: its bar sits in the middle of its lines
    for ax, topic in zip(flat, topics, strict=False):
        rows = top_terms[(top_terms["topic"] == topic) & (top_terms["rank"] <= n_terms)]
        rows = rows.sort_values("rank")
        domain = domain_of.get(topic)
        color = colors.get(domain, "#4477AA") if domain else "#4477AA"
        heights = np.array([label.count("\n") + 1 for label in labels[topic]], dtype=float)
        y = np.cumsum(heights) - heights / 2
        ax.barh(y, rows["weight"], color=color, height=0.75)
        ax.set_yticks(y, labels[topic], fontsize=TEXT_SIZE)
        ax.set_ylim(max(float(heights.sum()), n_terms), 0)
        ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="x", labelsize=TEXT_SIZE)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=2))
        # the domain on a line of its own: "topic 11: biological" is wider than a panel
        title = f"topic {topic}" + (f"\n{topic_title(domain)}" if domain else "")
        ax.set_title(title, loc="left", fontsize=TEXT_SIZE)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in flat[len(topics) :]:
        ax.set_visible(False)
    if len(flat):
        flat[0].get_figure(root=False).supxlabel("weight of the term in the topic")
    for ax in flat:
        use_cjk_fallback(ax)
    return np.asarray(axes)


def topic_title(domain: str) -> str:
    """The domain line of a :func:`plot_top_terms` panel title: ``_`` as a space, in lines of
    at most 16 characters, at most two of them."""
    return _wrap(domain.replace("_", " "), 16, max_lines=2)


def term_labels(
    top_terms: pd.DataFrame, *, n_terms: int = 8, width: int = 18
) -> dict[int, list[str]]:
    """The labels :func:`plot_top_terms` gives each topic's terms, wrapped at ``width``.

    Returns
    -------
    dict
        Topic to its terms' labels, in rank order (``_`` as a space, lines of at most ``width``
        characters).
    """
    _check_columns(top_terms, ["topic", "rank", "term"], "top_terms")
    labels = {}
    for topic, rows in top_terms[top_terms["rank"] <= n_terms].groupby("topic", sort=True):
        terms = rows.sort_values("rank")["term"]
        labels[int(topic)] = [_wrap(str(t).replace("_", " "), width) for t in terms]
    return labels


_MEASURE_TITLES = {
    "c_v": "coherence (C_V)",
    "c_npmi": "coherence (NPMI)",
    "u_mass": "coherence (UMass)",
    "c_uci": "coherence (UCI)",
    "diversity": "topic diversity",
    "stability": "stability over seeds",
    "resolution": "domains resolved",
    "perplexity": "perplexity",
    "log_perplexity": "log perplexity",
    "reconstruction_err": "reconstruction error",
    "reconstruction_error": "reconstruction error",
}


def measure_title(measure: str) -> str:
    """The human title of a sweep measure (``c_npmi`` -> ``coherence (NPMI)``).

    Measures without a title of their own get their name with spaces for underscores.
    """
    return _MEASURE_TITLES.get(measure, measure.replace("_", " "))


def plot_k_choice(
    metrics: pd.DataFrame,
    *,
    measures: Sequence[str] = ("c_npmi", "diversity", "stability"),
    recommended: int | None = None,
    k: str = "k",
    axes: np.ndarray | None = None,
) -> np.ndarray:
    """Coherence, diversity and stability against the number of topics, mean ± sd over seeds.

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per k x seed (``SweepResult.metrics``) with a column per measure.
    measures : sequence of str
        Columns to draw, one panel each.
    recommended : int, optional
        Mark this k in every panel.
    k : str, default "k"
        Column holding the number of topics.
    axes : array of Axes, optional
        One Axes per measure; a new figure is made when not given.

    Returns
    -------
    numpy.ndarray of Axes
    """
    _check_columns(metrics, [k, *measures], "metrics")
    if axes is None:
        _, axes = plt.subplots(
            1,
            len(measures),
            figsize=(2.4 * len(measures), 2.2),
            squeeze=False,
            layout="constrained",
        )
    flat = np.asarray(axes).ravel()
    summary = metrics.groupby(k)[list(measures)].agg(["mean", "std"])
    ks = summary.index.to_numpy()
    for ax, measure in zip(flat, measures, strict=True):
        mean = summary[(measure, "mean")].to_numpy(dtype=float)
        spread = np.nan_to_num(summary[(measure, "std")].to_numpy(dtype=float))
        ax.plot(ks, mean, marker="o", markersize=3, color="#332288")
        ax.fill_between(ks, mean - spread, mean + spread, color="#332288", alpha=0.2, linewidth=0)
        if recommended is not None:
            ax.axvline(recommended, color="#CC6677", linestyle="--", linewidth=1)
        ax.set_xlabel("number of topics k")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.set_title(measure_title(measure), loc="left")
        ax.spines[["top", "right"]].set_visible(False)
    return np.asarray(axes)


def plot_method_comparison(
    shares: pd.DataFrame,
    *,
    doc_id: str | None = None,
    level: str | None = None,
    methods: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
    domain_labels: Mapping[str, str] | None = None,
    axes: np.ndarray | None = None,
) -> np.ndarray:
    """The same sections under several methods, as heatmaps side by side on one colour scale.

    Parameters
    ----------
    shares : pandas.DataFrame
        Section shares of several methods (``method`` column).
    doc_id, level : str, optional
        Rows to draw.
    methods : sequence of str, optional
        Methods to draw, in this order (default: all, in order of appearance).
    domains : sequence of str, optional
        Columns (default: the eight largest over all methods).
    domain_labels : mapping of str to str, optional
        Column labels by domain id, as for :func:`plot_section_heatmap`.
    axes : array of Axes, optional
        One Axes per method, in a row or a grid (row by row; only the first column shows the
        section labels); a new figure is made when not given.

    Returns
    -------
    numpy.ndarray of Axes
    """
    _check_columns(shares, ["method"], "shares")
    methods = list(methods) if methods is not None else list(shares["method"].unique())
    domains = list(domains) if domains is not None else top_domains(shares)
    if axes is None:
        _, axes = plt.subplots(
            1,
            len(methods),
            figsize=(2.6 * len(methods) + 1.2, 4.0),
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
    grid = np.asarray(axes)
    grid = grid.reshape(1, -1) if grid.ndim == 1 else grid
    subset = shares[shares["domain"].isin(domains) & shares["method"].isin(methods)]
    vmax = float(subset["share"].max()) or 1.0
    for i, (ax, method) in enumerate(zip(grid.ravel(), methods, strict=True)):
        plot_section_heatmap(
            shares,
            method=method,
            doc_id=doc_id,
            level=level,
            domains=domains,
            domain_labels=domain_labels,
            vmax=vmax,
            colorbar=i == len(methods) - 1,
            ax=ax,
        )
        ax.set_title(method.replace("_", " "), loc="left")
        if i % grid.shape[1]:
            ax.set_ylabel("")
            ax.tick_params(labelleft=False)
    return np.asarray(axes)


_MAPPING_HEADERS = {
    "topic": "topic",
    "domain": "domain",
    "score": "lift",
    "runner_up": "runner-up",
    "margin": "margin",
    "top_terms": "top terms",
    "overridden": "set by hand",
}
MAPPING_NOTE = (
    "lift: how many times more of its weight the topic puts on the domain's lexicon terms than "
    "the average topic does; margin: its lead over the runner-up's lift. A topic whose best "
    "lift is too small (domains.min_score, 1.5 by default) is 'other'."
)
"""The note under the mapping table that says what its numbers are (:func:`map_topics`)."""
_CHAR_WIDTH = 0.6  # a Latin character's width, in font sizes (DejaVu Sans is about 0.55)
_LINE = 1.3  # a line's height, in font sizes


def mapping_cells(mapping: pd.DataFrame, *, width: float) -> tuple[list[str], list[list[str]],
                                                                      list[float]]:
    """The header, cells and column widths (fractions) of :func:`plot_mapping_table`.

    ``width`` is the table's width in inches: the top terms are wrapped to fit it at
    :data:`TEXT_SIZE`. A cell may have several lines (``\\n``).
    """
    _check_columns(mapping, ["topic", "domain"], "mapping")
    columns = [c for c in _MAPPING_HEADERS if c in mapping.columns]
    cells = []
    for _, row in mapping[columns].iterrows():
        cell = []
        for column in columns:
            value = row[column]
            if isinstance(value, float):
                cell.append(f"{value:.2f}")
            elif isinstance(value, list | tuple | np.ndarray):
                cell.append(", ".join(map(str, value)))
            else:
                cell.append("" if pd.isna(value) else str(value).replace("_", " "))
        cells.append(cell)
    header = [_MAPPING_HEADERS[c] for c in columns]
    # column widths in inches: the widest text (the header in bold) and 3 pt on either side
    inches = [
        max([_text_width(header[i], bold=True), *(_text_width(c[i]) for c in cells)]) + 6 / 72
        for i in range(len(columns))
    ]
    if "top_terms" in columns:
        t = columns.index("top_terms")
        inches[t] = max(1.0, width - sum(w for i, w in enumerate(inches) if i != t))
        chars = int((inches[t] - 6 / 72) / (_CHAR_WIDTH * TEXT_SIZE / 72.0))
        for cell in cells:
            cell[t] = _wrap(cell[t], chars, max_lines=2)
    total = sum(inches)
    return header, cells, [w / total for w in inches]


def _text_width(text: str, *, bold: bool = False) -> float:
    """Width in inches of ``text`` at :data:`TEXT_SIZE` in the current font (CJK included)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    if not text:
        return 0.0
    families = list(mpl.rcParams["font.family"])
    if _CJK.search(text) and _cjk_font_path() is not None:
        families.append(CJK_FAMILY)
    prop = FontProperties(family=families, size=TEXT_SIZE, weight="bold" if bold else "normal")
    width = max(text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0]
                for line in text.split("\n"))
    return float(width) / 72.0


def mapping_note(width: float) -> str:
    """:data:`MAPPING_NOTE` in lines that fit ``width`` inches at :data:`TEXT_SIZE`."""
    chars = int(width / (_CHAR_WIDTH * TEXT_SIZE / 72.0))
    return "\n".join(textwrap.wrap(MAPPING_NOTE, chars))


def plot_mapping_table(mapping: pd.DataFrame, *, note: bool = True, ax: Axes | None = None) -> Axes:
    """The topic-to-domain mapping drawn as a table, with a note on what its numbers are.

    The table fills the Axes' width, its rows as high as their lines at :data:`TEXT_SIZE`
    (top terms wrapped to two lines at most), from the top of the Axes down: give the Axes
    room for ``(rows + header + 3) * 1.3 * 7`` points, or see :func:`mapping_cells`.

    Parameters
    ----------
    mapping : pandas.DataFrame
        ``topic, domain, score, runner_up, margin`` and optionally ``top_terms`` and
        ``overridden`` (:func:`corpus_tm.map_topics`); the ``domain`` cell takes the domain's
        colour, ``score`` is headed "lift".
    note : bool, default True
        Write :data:`MAPPING_NOTE` under the table.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax if ax is not None else plt.gca()
    figure = ax.get_figure(root=True)
    assert figure is not None
    box = ax.get_position()
    width_in = box.width * figure.get_figwidth()
    height_pt = box.height * figure.get_figheight() * 72.0
    header, cells, widths = mapping_cells(mapping, width=width_in)
    table = ax.table(
        cellText=cells,
        colLabels=header,
        colWidths=widths,
        loc="upper left",
        cellLoc="left",
        colLoc="left",
    )
    table.AXESPAD = 0.0
    table.auto_set_font_size(False)
    table.set_fontsize(TEXT_SIZE)
    line = _LINE * TEXT_SIZE / height_pt  # one line, in Axes heights
    colors = domain_colors(sorted(set(mapping["domain"]) | {"other"}))
    domain_col = header.index("domain")
    for row, domain in enumerate(mapping["domain"], start=1):
        rgb = to_rgb(colors.get(domain, OTHER_COLOR))
        table[row, domain_col].set_facecolor((*rgb, 0.45))
    lines = [max(c.count("\n") + 1 for c in row) for row in [header, *cells]]
    for (row, col), table_cell in table.get_celld().items():
        table_cell.set_edgecolor("#DDDDDD")
        table_cell.set_height(line * (lines[row] + 0.4))
        table_cell.PAD = 3.0 / 72.0 / (widths[col] * width_in)  # 3 pt on either side
        if row == 0:
            table_cell.set_text_props(weight="bold")
    if note:
        ax.text(0.0, 1.0 - line * (sum(lines) + 0.4 * len(lines) + 0.5), mapping_note(width_in),
                transform=ax.transAxes, fontsize=TEXT_SIZE, va="top", ha="left")
    ax.axis("off")
    use_cjk_fallback(ax)
    return ax


# --------------------------------------------------------------------------------------------
# Groups of documents (issue 13: corpora of many documents)

def _numeric_groups(values: pd.Series) -> bool:
    """Whether group values are numbers (or text that is all numbers): drawn as a line."""
    distinct = pd.Series(pd.unique(values), dtype=object)
    if pd.api.types.is_bool_dtype(values) or distinct.empty:
        return False
    return bool(pd.to_numeric(distinct, errors="coerce").notna().all())


def plot_domains_by_group(
    shares: pd.DataFrame,
    *,
    domains: Sequence[str] | None = None,
    intervals: bool = True,
    numeric: bool | None = None,
    domain_labels: Mapping[str, str] | None = None,
    legend: bool = True,
    label_width: int = 24,
    ax: Axes | None = None,
) -> Axes:
    """Domain shares by group of documents (year, country, ...), one colour per domain.

    Numeric groups (years, sessions) are drawn as one line per domain along the groups, with
    the interval as a band. Other groups (countries, party groups) are rows, top to bottom in
    the table's order, with one point per domain (side by side within the row) and the
    interval as a horizontal bar; the table decides which groups are drawn (the figures
    command draws at most ``figures.max_groups``).

    Parameters
    ----------
    shares : pandas.DataFrame
        From :func:`corpus_tm.group_shares`: ``group, domain, share`` (and ``lower``,
        ``upper`` for the intervals) of one method.
    domains : sequence of str, optional
        Domains to draw, in this order (default: the six largest, :func:`top_domains`).
    intervals : bool, default True
        Draw the intervals (``lower`` to ``upper``) where there are some.
    numeric : bool, optional
        Draw lines along numeric groups (default: when every group value is a number).
    domain_labels : mapping of str to str, optional
        Labels of the domains in the legend, as for :func:`plot_section_heatmap`.
    legend : bool, default True
        Draw a legend to the right of the Axes.
    label_width : int, default 24
        Group labels longer than this are cut (:func:`shorten_label`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_columns(shares, ["group", "domain", "share"], "shares")
    if "method" in shares.columns and len(pd.unique(shares["method"])) > 1:
        raise ConfigError(
            f"shares holds several methods ({', '.join(map(str, shares['method'].unique()))}); "
            "select one."
        )
    ax = ax if ax is not None else plt.gca()
    domains = list(domains) if domains is not None else top_domains(shares, 6)
    missing = [d for d in domains if d not in set(shares["domain"])]
    if missing:
        raise ConfigError(f"domains not in shares: {', '.join(missing)}.")
    groups = list(pd.unique(shares["group"]))
    numeric = _numeric_groups(shares["group"]) if numeric is None else numeric
    has_bounds = intervals and {"lower", "upper"} <= set(shares.columns)
    colors = domain_colors(domains)
    by_key = shares.set_index(["group", "domain"])
    if numeric:
        x = pd.to_numeric(pd.Series(groups, dtype=object)).to_numpy(dtype=float)
        order = np.argsort(x, kind="stable")
        x, groups = x[order], [groups[i] for i in order]
    for j, domain in enumerate(domains):
        rows = by_key.reindex([(g, domain) for g in groups])
        values = rows["share"].to_numpy(dtype=float)
        label = _domain_label(domain, domain_labels)
        if numeric:
            ax.plot(x, values, marker="o", markersize=3, linewidth=1.5, color=colors[domain],
                    label=label)
            if has_bounds:
                ax.fill_between(
                    x,
                    rows["lower"].to_numpy(dtype=float),
                    rows["upper"].to_numpy(dtype=float),
                    color=colors[domain],
                    alpha=0.18,
                    linewidth=0,
                )
        else:
            offset = (j - (len(domains) - 1) / 2) * min(0.8 / max(len(domains), 1), 0.16)
            y = np.arange(len(groups)) + offset
            if has_bounds:
                lower = rows["lower"].to_numpy(dtype=float)
                upper = rows["upper"].to_numpy(dtype=float)
                ax.hlines(y, lower, upper, color=colors[domain], linewidth=1.0)
            ax.plot(values, y, "o", markersize=3, color=colors[domain], label=label)
    if numeric:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
        ax.set_ylabel("share of tokens")
        if np.allclose(x, np.round(x)):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
        by = shares["group_by"].iloc[0] if "group_by" in shares.columns else "group"
        ax.set_xlabel(str(by))
    else:
        ax.set_yticks(
            np.arange(len(groups)), [shorten_label(g, label_width) for g in groups]
        )
        ax.set_ylim(len(groups) - 0.5, -0.5)
        ax.set_xlim(left=0)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
        ax.set_xlabel("share of tokens")
        ax.grid(axis="y", color="0.92", linewidth=0.5)
        ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7)
    use_cjk_fallback(ax)
    return ax
