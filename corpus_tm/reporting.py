"""What a run tells its user while it works: progress bars, warnings and short labels.

In: the work of a step (an iterable or a total) and the caller's ``progress`` setting; the
warnings a run raises; titles and ids to show in a label.
Out: a tqdm bar that appears only once the step has taken :data:`PROGRESS_DELAY` seconds
(:func:`progress_bar`), a context in which each distinct warning is shown once
(:func:`warnings_once`), and labels of bounded length (:func:`shorten_label`, used by the
section labels, the aggregation's section names and every figure).

Every progress bar of corpus_tm is made by :func:`progress_bar`, so a step that ends within
:data:`PROGRESS_DELAY` seconds (reading cached results, a small corpus, one quick fit) prints
nothing, and a slow one shows its bar after that delay with the rate and time left. A run
(:func:`corpus_tm.run_study`, ``corpus-tm figures``) shows each warning once, however often
its steps raise it: the same text of the same category raised again by another document, fit
or method is not shown again. Warnings turned into errors (``warnings.simplefilter("error")``)
are raised every time, as before.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = [
    "MAX_LABEL_CHARS",
    "PROGRESS_DELAY",
    "progress_bar",
    "shorten_label",
    "warnings_once",
]

PROGRESS_DELAY = 2.0
"""Seconds a step runs before its progress bar appears (tqdm's ``delay``)."""


def progress_bar(
    iterable: Iterable[Any] | None = None,
    *,
    show: bool = True,
    desc: str | None = None,
    total: float | None = None,
    unit: str = "it",
    leave: bool | None = True,
    delay: float | None = None,
    file: TextIO | None = None,
) -> Any:
    """A tqdm progress bar (``tqdm.auto``: a widget in Jupyter) that appears after a delay.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over, as for ``tqdm``; or ``None`` with ``total`` and ``update()``.
    show : bool, default True
        ``False`` makes a disabled bar (it prints nothing, and costs next to nothing).
    desc, total, unit, leave
        As for ``tqdm``.
    delay : float, optional
        Seconds before the bar appears; default :data:`PROGRESS_DELAY`. A step that ends
        sooner prints nothing.
    file : file-like, optional
        Where the bar is written (default: standard error).

    Returns
    -------
    tqdm.auto.tqdm
        Use it as ``tqdm``: iterate over it, or ``with progress_bar(total=n) as bar:
        bar.update()``.
    """
    from tqdm.auto import tqdm

    return tqdm(
        iterable,
        desc=desc,
        total=total,
        unit=unit,
        leave=leave,
        file=file,
        disable=not show,
        delay=PROGRESS_DELAY if delay is None else delay,
    )


@contextmanager
def warnings_once() -> Iterator[None]:
    """Within the block, show each distinct warning (category and text) once.

    The warnings filters decide as usual whether a warning is ignored, shown or raised as an
    error; of those that are shown, a second one with the same category and text is dropped.
    This holds where Python's own "once per place" rule does not: when the same text comes
    from several places, or after the filters were changed (which makes Python forget what it
    has shown). Recording warnings (``warnings.catch_warnings(record=True)``,
    ``pytest.warns``) inside or around the block sees the first of each.
    """
    shown: set[tuple[type[Warning], str]] = set()
    previous = warnings.showwarning

    def show_first(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        key = (category, str(message))
        if key in shown:
            return
        shown.add(key)
        previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show_first
    try:
        yield
    finally:
        if warnings.showwarning is show_first:
            warnings.showwarning = previous


MAX_LABEL_CHARS = 40
"""Characters of a label cut by :func:`shorten_label` when no width is given."""


def shorten_label(text: object, width: int = MAX_LABEL_CHARS) -> str:
    """``text`` on one line of at most ``width`` characters, cut at a word with an ellipsis.

    The one rule for every shortened label of corpus_tm: section labels, the section names of
    aggregated shares, document ids, titles and group values in figures, so that a
    5,000-character id does not make a 70,000-pixel-wide image.

    Parameters
    ----------
    text : object
        A label (converted with ``str``); runs of white space become one space. Text that
        came cut (ending in ``...`` or ``…``) keeps one ``…`` at its end.
    width : int, default :data:`MAX_LABEL_CHARS`
        The most characters kept, the ellipsis included (at least 2).

    Returns
    -------
    str
        ``text`` itself if it fits; else its first ``width - 1`` characters, cut back to the
        last space if they end inside a word and a space lies in their second half, and
        ``…``.
    """
    width = max(2, int(width))
    label = " ".join(str(text).split())
    came_cut = label.endswith(("...", "\u2026"))
    label = label.removesuffix("...").removesuffix("\u2026").rstrip()
    if len(label) < width or (len(label) == width and not came_cut):
        return label + ("\u2026" if came_cut else "")
    cut = label[: width - 1]
    if label[width - 1] != " " and " " in cut[width // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.\u3001\uff0c") + "\u2026"
