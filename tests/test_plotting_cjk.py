"""Chinese labels in figures: drawn with real glyphs (not empty boxes), byte-stable, and no
change to figures without Chinese."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import io
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.ft2font import FT2Font

from corpus_tm import figures, plotting
from corpus_tm.errors import CorpusTmWarning
from corpus_tm.lexicon import default_lexicon

# Section headings as in the Chinese laws (第一章 总则 ...), and three domains.
SECTIONS = ["第一章 总则", "第二章 生物安全风险防控体制", "第三章 防控重大新发突发传染病", "附则"]
DOMAINS = ["political", "social", "biological", "other"]


def _shares() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for order, label in enumerate(SECTIONS):
        for domain, share in zip(DOMAINS, rng.dirichlet(np.ones(len(DOMAINS))), strict=True):
            rows.append(
                {"method": "dictionary", "level": "section", "doc_id": "law", "section": label,
                 "label": label, "order": order, "domain": domain, "share": share,
                 "lower": share * 0.8, "upper": min(1.0, share * 1.2), "n_units": 3,
                 "n_tokens": 100}
            )
    return pd.DataFrame(rows)


def _chinese_labels() -> dict[str, str]:
    chinese = dict(default_lexicon().translations)["zh"]
    return {d.id: d.label for d in chinese}


def _heatmap(labels: dict[str, str] | None = None) -> plt.Figure:
    with mpl.rc_context(figures.STYLE):
        figure, ax = plt.subplots(figsize=(4, 3))
        plotting.plot_section_heatmap(_shares(), domain_labels=labels, ax=ax)
    return figure


def _render(text: str, *, fallback: bool) -> np.ndarray:
    """The pixels of one text drawn alone, with or without the CJK fallback."""
    with mpl.rc_context(figures.STYLE), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # without the fallback: "Glyph ... missing"
        figure = plt.figure(figsize=(0.6, 0.4), dpi=100)
        figure.text(0.1, 0.2, text, fontsize=14)
        if fallback:
            plotting.use_cjk_fallback(figure)
        figure.canvas.draw()
        pixels = np.asarray(figure.canvas.buffer_rgba()).copy()
        plt.close(figure)
    return pixels


def test_chinese_domain_and_section_labels_draw_without_missing_glyphs():
    labels = _chinese_labels()
    assert labels["biological"] == "生物安全"
    figure = _heatmap(labels)
    ax = figure.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["政治安全", "社会安全", "生物安全", "other"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.canvas.draw()
    assert not [w for w in caught if "missing from font" in str(w.message)]
    chinese = [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text() != "other"]
    assert all(t.get_fontfamily()[-1] == plotting.CJK_FAMILY for t in chinese)
    # the Latin label keeps its font alone
    assert ax.get_xticklabels()[-1].get_fontfamily() == ["DejaVu Sans"]
    plt.close(figure)


def test_the_font_has_every_character_of_the_labels():
    path = plotting._cjk_font_path()
    assert path is not None
    entry = next(
        e for e in matplotlib.font_manager.fontManager.ttflist if e.name == plotting.CJK_FAMILY
    )
    assert entry.fname == path
    font = FT2Font(path, face_index=entry.index)
    characters = set("".join(_chinese_labels().values()) + "".join(SECTIONS)) - {" "}
    missing = [c for c in sorted(characters) if font.get_char_index(ord(c)) == 0]
    assert missing == []


def test_glyphs_are_drawn_not_empty_boxes():
    # Two different characters: with the fallback they look different; without it both are
    # the same empty box of DejaVu Sans.
    with_font = [_render(c, fallback=True) for c in ("生", "安")]
    without = [_render(c, fallback=False) for c in ("生", "安")]
    assert np.array_equal(without[0], without[1])
    assert not np.array_equal(with_font[0], with_font[1])
    assert not np.array_equal(with_font[0], without[0])
    assert (with_font[0][..., :3] < 128).any()  # ink on the page


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_chinese_figures_are_byte_stable(fmt):
    labels = _chinese_labels()
    first, second = _heatmap(labels), _heatmap(labels)
    assert figures.figure_bytes(first, fmt, dpi=100) == figures.figure_bytes(second, fmt, dpi=100)
    plt.close(first)
    plt.close(second)


def test_figures_without_chinese_are_not_touched():
    figure = _heatmap(None)  # English domain labels, Chinese section labels
    texts = [t for t in figure.findobj(matplotlib.text.Text) if t.get_text()]
    chinese = [t for t in texts if t.get_text() in SECTIONS]
    assert {t.get_text() for t in chinese} == set(SECTIONS)  # (a tick's two labels)
    assert all(t.get_fontfamily() == ["DejaVu Sans", plotting.CJK_FAMILY] for t in chinese)
    others = [t for t in texts if t.get_text() not in SECTIONS]
    assert others
    assert all(plotting.CJK_FAMILY not in t.get_fontfamily() for t in others)
    assert plotting.use_cjk_fallback(figure) == len(chinese)  # again: nothing added twice
    assert chinese[0].get_fontfamily() == ["DejaVu Sans", plotting.CJK_FAMILY]
    plt.close(figure)
    _, ax = plt.subplots()
    ax.set_title("Biological security")
    assert plotting.use_cjk_fallback(ax) == 0
    assert ax.title.get_fontfamily() == list(mpl.rcParams["font.family"])
    plt.close("all")


def test_table_cells_with_chinese_terms_get_the_font():
    mapping = pd.DataFrame(
        {"topic": [0, 1], "domain": ["biological", "other"], "score": [2.1, 0.5],
         "runner_up": ["social", ""], "margin": [1.0, 0.0],
         "top_terms": ["病原微生物 传染病 疫情", "国务院 部门 规定"]}
    )
    _, ax = plt.subplots()
    plotting.plot_mapping_table(mapping, ax=ax)
    table = ax.tables[0]
    assert plotting.CJK_FAMILY in table[1, 5].get_text().get_fontfamily()
    assert plotting.CJK_FAMILY not in table[1, 1].get_text().get_fontfamily()
    buffer = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax.figure.savefig(buffer, format="png")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    plt.close("all")


def test_a_missing_font_package_is_a_clear_warning(monkeypatch):
    monkeypatch.setattr(plotting, "_cjk_font_path", lambda: None)
    _, ax = plt.subplots()
    ax.set_title("生物安全")
    with pytest.warns(CorpusTmWarning, match="noto-cjk-sans-otc is not installed"):
        assert plotting.use_cjk_fallback(ax) == 0
    plt.close("all")
