"""Figures a journal accepts: the layout checker (corpus_tm.layout) on figures with known
problems, and every registered figure of three studies checked with it.

The studies: the repository's English example (its cached reference build, the figures as
committed), the Chinese laws (study-prc-laws.toml with fewer fits, as a temporary copy) and a
corpus of several documents without sections (six UN General Debate speeches). Every figure
must have no overlapping texts, no text under 7 pt, no text outside its canvas and a saved
width of at most 7 inches.
"""

from __future__ import annotations

import copy
import io
import shutil
import tomllib
import warnings
from itertools import pairwise
from pathlib import Path

import matplotlib as mpl
import matplotlib.patches
import matplotlib.table
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
import tomli_w
from matplotlib.figure import Figure
from PIL import Image
from sklearn.exceptions import ConvergenceWarning

import corpus_tm as ctm
from corpus_tm import figures, layout, plotting
from corpus_tm.pipeline import run_study
from corpus_tm.study import Study, load_study

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LAWS = SHARED / "corpora" / "prc-security-laws-zh" / "texts"
UN = SHARED / "corpora" / "un-general-debate-2020-2024" / "texts"
SPEECHES = ["AGO_75_2020", "AFG_75_2020", "AGO_76_2021", "AGO_77_2022", "AGO_78_2023"]


def _figure(width: float = 4.0, height: float = 3.0) -> Figure:
    return Figure(figsize=(width, height))


# --- the checker, on figures whose problems are known --------------------------------------


def test_a_clean_figure_has_no_problems():
    figure = _figure()
    ax = figure.add_subplot()
    ax.set_title("title")
    ax.plot([0, 1], [0, 1])
    with mpl.rc_context(figures.STYLE):
        assert layout.layout_problems(figure) == []


def test_two_texts_on_one_spot_overlap_and_apart_they_do_not():
    figure = _figure()
    figure.text(0.5, 0.5, "first text", fontsize=8)
    figure.text(0.52, 0.5, "second text", fontsize=8)
    figure.text(0.1, 0.1, "far away", fontsize=8)
    problems = layout.layout_problems(figure)
    assert problems == [problems[0]]
    assert problems[0].startswith("overlap: 'first text' and 'second text'")


def test_slanted_labels_are_compared_as_the_slanted_boxes_they_are():
    """Labels at 45 degrees whose upright boxes overlap but whose glyphs do not: no problem;
    the same labels closer together: overlaps."""
    words = ["political", "homeland", "military", "economic"]
    neighbours = {" and ".join(repr(w) for w in sorted(pair)) for pair in pairwise(words)}
    for spacing, expected in ((0.06, set()), (0.015, neighbours)):
        figure = _figure()
        for i, word in enumerate(words):
            figure.text(0.2 + spacing * i, 0.5, word, rotation=45, rotation_mode="anchor",
                        fontsize=8)
        boxes = layout.text_boxes(figure)
        upright = boxes.iloc[0]["x1"] > boxes.iloc[1]["x0"]
        assert upright  # the upright boxes of neighbours always overlap here
        overlaps = [p for p in layout.layout_problems(figure) if p.startswith("overlap")]
        pairs = {p.removeprefix("overlap: ").split(" by ")[0] for p in overlaps}
        assert expected <= pairs, overlaps
        assert bool(pairs) == bool(expected), overlaps


def test_small_text_outside_text_and_a_wide_figure_are_problems():
    figure = _figure(width=8.0)
    figure.add_axes((0.0, 0.0, 1.0, 1.0)).set_axis_off()  # the saved image is the full 8 in
    figure.add_artist(mpl.patches.Rectangle((0, 0), 1, 1, transform=figure.transFigure))
    figure.text(0.5, 0.5, "tiny", fontsize=5)
    figure.text(0.98, 0.5, "running off the edge", fontsize=8)
    with mpl.rc_context(figures.STYLE):
        problems = layout.layout_problems(figure)
    kinds = sorted(p.split(":")[0] for p in problems)
    assert kinds == ["outside", "small text", "too wide"], problems
    assert "'tiny' is 5.0 pt" in " ".join(problems)


def test_hidden_axes_and_empty_texts_are_not_measured():
    figure = _figure()
    hidden = figure.add_subplot()
    hidden.set_title("x" * 200)  # would run out of the canvas
    hidden.set_visible(False)
    figure.text(0.5, 0.5, "", fontsize=3)
    assert layout.layout_problems(figure) == []
    assert layout.text_boxes(figure).empty


def test_the_checker_leaves_the_figure_as_it_was():
    figure = _figure()
    figure.add_subplot().set_title("title")
    dpi = figure.dpi
    layout.layout_problems(figure, dpi=200)
    assert figure.dpi == dpi
    first = figures.figure_bytes(figure, "png", dpi=50)
    layout.layout_problems(figure, dpi=300)
    assert figures.figure_bytes(figure, "png", dpi=50) == first


def test_the_saved_width_is_what_the_checker_measures():
    figure = Figure(figsize=(figures.FIGURE_WIDTH, 2.0), layout="constrained")
    ax = figure.add_subplot()
    ax.set_xlabel("a label")
    with mpl.rc_context(figures.STYLE):
        assert layout.layout_problems(figure, dpi=100) == []
        width, _ = Image.open(io.BytesIO(figures.figure_bytes(figure, "png", dpi=100))).size
    assert width <= 100 * layout.MAX_WIDTH


# --- plotting rules the checker does not see ------------------------------------------------


def _section_shares(n_units: list[int]) -> pd.DataFrame:
    rows = []
    for order, n in enumerate(n_units):
        for domain, share in (("political", 0.6), ("other", 0.4)):
            rows.append({"method": "m", "level": "section", "doc_id": "d", "section": str(order),
                         "label": f"section {order}", "order": order, "domain": domain,
                         "share": share, "lower": share - 0.1, "upper": share + 0.1,
                         "n_units": n, "n_tokens": 100})
    return pd.DataFrame(rows)


def test_sections_of_fewer_than_five_units_show_n_not_an_interval():
    shares = _section_shares([plotting.MIN_INTERVAL_UNITS - 1, plotting.MIN_INTERVAL_UNITS, 1])
    figure = _figure()
    ax = figure.add_subplot()
    plotting.plot_section_heatmap(shares, intervals=True, ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"section 0 (n = {plotting.MIN_INTERVAL_UNITS - 1})", "section 1",
                      "section 2 (n = 1)"]
    cells = [t.get_text() for t in ax.texts]
    assert cells == ["60", "40", "60\n[50–70]", "40\n[30–50]", "60", "40"]
    # the flow: a band over the one section with enough units, none over the others
    figure = _figure()
    ax = figure.add_subplot()
    plotting.plot_domain_flow(shares, domains=["political"], ax=ax)
    band = ax.collections[0].get_paths()
    xs = np.concatenate([p.vertices[:, 0] for p in band])
    assert set(np.round(xs, 6)) == {1.0}
    assert ax.get_xticklabels()[0].get_text().endswith("(n = 4)")


def test_sweep_measures_have_human_titles():
    assert plotting.measure_title("c_npmi") == "coherence (NPMI)"
    assert plotting.measure_title("c_v") == "coherence (C_V)"
    metrics = pd.DataFrame({"k": [2, 2, 4, 4], "c_npmi": [0.1, 0.2, 0.3, 0.2],
                            "reconstruction_err": [3.0, 3.1, 2.0, 2.1]})
    figure = _figure(6, 2)
    axes = figure.subplots(1, 2, squeeze=False)
    plotting.plot_k_choice(metrics, measures=["c_npmi", "reconstruction_err"], axes=axes)
    assert [ax.get_title(loc="left") for ax in axes.ravel()] == [
        "coherence (NPMI)", "reconstruction error"]


def test_mapping_table_says_what_its_numbers_are():
    mapping = pd.DataFrame({"topic": [0, 1], "domain": ["political", "other"],
                            "score": [2.5, 0.0], "runner_up": ["economic", ""],
                            "margin": [1.2, 0.0], "top_terms": [["party", "leadership"],
                                                                 ["time", "world"]]})
    figure = Figure(figsize=(figures.FIGURE_WIDTH, 1.5))
    ax = figure.add_axes((0, 0, 1, 1))
    plotting.plot_mapping_table(mapping, ax=ax)
    table = ax.tables[0]
    headers = [table[0, c].get_text().get_text() for c in range(6)]
    assert headers == ["topic", "domain", "lift", "runner-up", "margin", "top terms"]
    assert table[1, 5].get_text().get_text() == "party, leadership"
    assert "lift:" in " ".join(t.get_text() for t in ax.texts)


# --- every registered figure of three studies ------------------------------------------------


def _quiet_run(study: Study) -> figures.StudyResults:
    with warnings.catch_warnings():
        # small sections, domains no model resolves, NMF's random starts: warned elsewhere
        warnings.simplefilter("ignore", ctm.CorpusTmWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        return run_study(study, progress=False)


def _cheap(settings: dict, cache: Path) -> dict:
    """Fewer fits and sweeps: the figures' layout does not depend on them."""
    settings = copy.deepcopy(settings)
    settings["models"]["n_fits"] = {}
    settings["models"]["keyatm_iterations"] = 50
    settings["models"]["free_topics"] = 2
    settings["aggregation"]["n_boot"] = 50
    settings["run"]["cache_dir"] = str(cache)
    settings["run"]["n_jobs"] = 1
    return settings


@pytest.fixture(scope="module")
def english(reference_build):
    """The example study as committed, from the cache of the session's reference build."""
    return _quiet_run(load_study(reference_build.study))


@pytest.fixture(scope="module")
def chinese(tmp_path_factory):
    if not LAWS.is_dir():
        pytest.fail(f"{LAWS} is missing: the tests need ../shared beside the repository.")
    study = load_study(REPO / "study-prc-laws.toml")
    settings = _cheap(study.settings, tmp_path_factory.mktemp("zh-cache"))
    settings["sweep"]["n_topics"] = [8, 10]
    settings["sweep"]["seeds"] = [1, 2]
    return _quiet_run(Study(path=study.path, settings=settings))


@pytest.fixture(scope="module")
def speeches(tmp_path_factory):
    """Five UN General Debate speeches (no metadata: the doc_ids are the labels), with their
    year from the file names, so that ``domains_by_group`` is drawn too."""
    folder = tmp_path_factory.mktemp("un")
    texts = folder / "texts"
    texts.mkdir()
    for name in SPEECHES:
        source = UN / f"{name}.txt"
        if not source.is_file():
            pytest.fail(f"{source} is missing: the tests need ../shared beside the repository.")
        shutil.copy(source, texts / source.name)
    text = tomllib.loads((REPO / "study.toml").read_text(encoding="utf-8"))
    text["corpus"] = {
        "path": "texts",
        "unit": "paragraph",
        "filename_fields": "{country}_{session}_{year}",
    }
    text["figures"].pop("doc_id")
    text["figures"]["group_by"] = "year"
    text["models"]["n_topics"] = 6
    text["sweep"]["n_topics"] = [4, 6]
    text["sweep"]["seeds"] = [1, 2]
    path = folder / "study.toml"
    path.write_text(tomli_w.dumps(text), encoding="utf-8")
    study = load_study(path)
    return _quiet_run(Study(path=path, settings=_cheap(study.settings, folder / "cache")))


def _problems(results: figures.StudyResults) -> dict[str, list[str]]:
    found = {}
    for name in figures.default_figures(results.study):
        with warnings.catch_warnings():  # five speeches: groups too small for intervals
            warnings.simplefilter("ignore", ctm.CorpusTmWarning)
            _, draw = figures.figure_data(results, name)
        with mpl.rc_context(figures.STYLE):
            figure = draw()
            found[name] = layout.layout_problems(figure, dpi=results.study.figures.dpi)
    return found


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {p}" for name, problems in found.items() for p in problems[:10])


@pytest.mark.parametrize(
    "study", ["english", pytest.param("chinese", marks=pytest.mark.slow), "speeches"]
)
def test_every_figure_is_fit_for_print(study, request):
    results = request.getfixturevalue(study)
    found = _problems(results)
    # every registered figure the study can draw; domains_by_group needs figures.group_by
    expected = set(figures.FIGURES) - (set() if study == "speeches" else {"domains_by_group"})
    assert set(found) == expected
    assert not any(found.values()), _report(found)


def test_figures_name_documents_and_sections_by_their_titles(english):
    """Titles from the metadata and the headings, not doc_ids and "1.1 First"."""
    data, draw = figures.figure_data(english, "domain_heatmap")
    title = "Vivid Practice and Rich Development of the Overall National Security Concept"
    assert data["label"].str.startswith("1.1 First, adhere to the principle").any()
    assert not data["label"].isin(["1.1 First", "2.2 Second"]).any()
    with mpl.rc_context(figures.STYLE):
        figure = draw()
    assert title in figure.get_suptitle()
    data, _ = figures.figure_data(english, "document_domains")
    assert "qiushi-2020-08" not in set(data["label"])
    assert any(label.startswith("Vivid Practice") for label in data["label"])


def test_chinese_figures_keep_their_glyphs(chinese):
    """The CJK fallback still reaches every text with Chinese characters."""
    for name in ("domain_heatmap", "top_terms", "topic_mapping"):
        _, draw = figures.figure_data(chinese, name)
        with mpl.rc_context(figures.STYLE):
            figure = draw()
        texts = list(figure.findobj(mpl.text.Text))
        for table in figure.findobj(mpl.table.Table):
            texts.extend(cell.get_text() for cell in table.get_celld().values())
        texts = [t for t in texts if plotting._CJK.search(t.get_text())]
        assert texts, name
        assert all(plotting.CJK_FAMILY in t.get_fontfamily() for t in texts), name
