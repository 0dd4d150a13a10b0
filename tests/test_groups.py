"""Corpora of many documents (issue 13): metadata from file names, domain shares by group of
documents with intervals over documents, the ``domains_by_group`` figure, and figures whose
size is bounded whatever the number of documents or the length of a document id.

Known answers: a planted corpus whose biological share rises and economic share falls by
year (corpus_tm.synthetic), and the UN speeches, where a plain count of pandemic words says
how the talk of COVID-19 moved between 2020-2021 and 2023-2024.
"""

from __future__ import annotations

import io
import re
import shutil
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import corpus_tm as ctm
from corpus_tm.errors import ConfigError, CorpusTmWarning, InputError
from corpus_tm.figures import STYLE

UN_PATTERN = "{country}_{session}_{year}"

# --------------------------------------------------------------------------------------------
# metadata from file names


def test_file_names_give_metadata_columns(un_corpus_path):
    documents = ctm.load_documents(un_corpus_path, filename_fields=UN_PATTERN)
    assert {"country", "session", "year"} <= set(documents.columns)
    assert documents["session"].dtype == np.int64
    assert documents["year"].dtype == np.int64
    assert documents["country"].dtype == object or pd.api.types.is_string_dtype(
        documents["country"]
    )
    row = documents.set_index("doc_id").loc["AGO_76_2021"]
    assert (row["country"], row["session"], row["year"]) == ("AGO", 76, 2021)
    # the UN's sessions: the 75th in 2020; every speech's year is its session + 1945
    assert (documents["year"] - documents["session"] == 1945).all()
    assert sorted(documents["year"].unique()) == [2020, 2021, 2022, 2023, 2024]
    assert documents["country"].str.fullmatch(r"[A-Z]{2,3}").all()  # ISO3, and EU


def test_text_fields_stay_text_and_the_last_field_takes_the_rest():
    table = ctm.filename_metadata(
        ["GBR_x_76_2021.txt", "FRA_07_76_2021.md"], "{country}_{session}_{year}"
    )
    assert table["session"].tolist() == ["x", "07"]  # not all numbers: text, as written
    assert table["year"].tolist() == ["76_2021", "76_2021"]


def test_a_file_that_does_not_match_names_the_file_and_the_pattern(tmp_path, un_corpus_path):
    for name in ("AGO_76_2021.txt", "ALB_76_2021.txt"):
        shutil.copy(un_corpus_path / name, tmp_path / name)
    (tmp_path / "notes-on-angola.txt").write_text("Some notes.\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        ctm.load_documents(tmp_path, filename_fields=UN_PATTERN)
    message = str(error.value)
    assert "notes-on-angola.txt" in message
    assert UN_PATTERN in message
    assert "AGO_76_2021" not in message


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("{country}{year}", "need text between them"),
        ("country_year", "has no {field}"),
        ("{year}_{year}", "appears twice"),
        ("{1st}_{year}", "is not a field name"),
        ("{country}_{year", "does not enclose"),
    ],
)
def test_malformed_patterns_are_config_errors(tmp_path, pattern, says):
    (tmp_path / "AGO_76_2021.txt").write_text("Text.\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(says)):
        ctm.load_documents(tmp_path, filename_fields=pattern)


def test_a_field_that_is_already_a_column_is_an_error(example_corpus_path, tmp_path):
    # the example corpus's metadata.csv has a "kind" column
    with pytest.raises(ConfigError, match="'kind', already a column"):
        ctm.load_documents(example_corpus_path, filename_fields="{kind}-{rest}")


def test_filename_fields_of_a_table_file_is_an_error(tmp_path):
    path = tmp_path / "speeches.csv"
    path.write_text("doc_id,text\nAGO_76_2021,Some text.\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="give the metadata as its columns"):
        ctm.load_documents(path, filename_fields=UN_PATTERN)


# --------------------------------------------------------------------------------------------
# group_shares: planted answer


def _planted_by_year(random_state: int = 3):
    """30 documents, six a year 2020-2024; biological rises 5 points a year, economic falls
    5, each document off its year's level by -2, 0 or +2 points."""
    years = [2020, 2021, 2022, 2023, 2024]
    rows = []
    for i in range(30):
        year = years[i % 5]
        jitter = 0.02 * ((i // 5) % 3 - 1)
        biological = 0.04 + 0.05 * (year - 2020) + jitter
        economic = 0.30 - 0.05 * (year - 2020) - jitter
        for part in (1, 2):
            for section in (1, 2):
                rows.append((f"d{i:02d}", part, section, "biological", biological))
                rows.append((f"d{i:02d}", part, section, "economic", economic))
    plan = pd.DataFrame(rows, columns=["doc_id", "part", "section", "domain", "share"])
    planted = ctm.make_planted_corpus(plan, random_state=random_state, paragraphs_per_section=3)
    documents = planted.documents.assign(year=[years[i % 5] for i in range(30)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusTmWarning)
        units = ctm.split_sections(documents).units
    truth = planted.truth.merge(documents[["doc_id", "year"]], on="doc_id")
    truth["words"] = truth["share"] * truth["n_tokens"]
    by_year = truth.groupby(["year", "domain"])
    true_share = (by_year["words"].sum() / by_year["n_tokens"].sum()).unstack()  # noqa: PD010
    return units, true_share


@pytest.fixture(scope="module")
def planted_by_year():
    return _planted_by_year()


def test_group_shares_recover_the_planted_trend(planted_by_year):
    units, truth = planted_by_year
    shares = ctm.dictionary_shares(units)
    table = ctm.group_shares(shares, "year", n_boot=400, ci=0.9, random_state=1)
    assert list(table.columns) == [
        "method",
        "group_by",
        "group",
        "domain",
        "share",
        "lower",
        "upper",
        "n_documents",
        "n_units",
        "n_tokens",
        "interval",
    ]
    wide = table.pivot_table(index="group", columns="domain", values="share", sort=False)
    assert wide.index.tolist() == [2020, 2021, 2022, 2023, 2024]
    np.testing.assert_allclose(wide.sum(axis=1), 1.0)
    for domain in ("biological", "economic"):
        np.testing.assert_allclose(wide[domain], truth.loc[wide.index, domain], atol=0.01)
    assert (np.diff(wide["biological"]) > 0.03).all()  # planted: +5 points a year
    assert (np.diff(wide["economic"]) < -0.03).all()
    assert (table["n_documents"] == 6).all()
    named = table[table["domain"].isin(["biological", "economic"])]
    # documents differ within a year (+-2 points): the intervals have width, and hold the share
    assert (named["upper"] - named["lower"] > 0.005).all()
    assert ((named["lower"] <= named["share"]) & (named["share"] <= named["upper"])).all()


def test_group_shares_resample_documents_not_units(planted_by_year):
    """Every document of a year has about the same number of units; resampling units would
    give intervals several times narrower than the spread between the documents (+-2 points)."""
    units, _ = planted_by_year
    shares = ctm.dictionary_shares(units)
    table = ctm.group_shares(shares, "year", n_boot=1000, ci=0.9, random_state=1)
    bio = table[table["domain"] == "biological"].set_index("group")
    # six documents at level-2, level, level+2 points (twice each): the mean of six draws has
    # a standard deviation of about 1.63/sqrt(6) = 0.67 points, a 90% interval about 2.2 wide
    width = (bio["upper"] - bio["lower"]).to_numpy()
    assert ((width > 0.012) & (width < 0.035)).all(), width
    again = ctm.group_shares(shares, "year", n_boot=1000, ci=0.9, random_state=1)
    pd.testing.assert_frame_equal(table, again)
    other_seed = ctm.group_shares(shares, "year", n_boot=1000, ci=0.9, random_state=2)
    pd.testing.assert_series_equal(other_seed["share"], table["share"])
    np.testing.assert_allclose(other_seed["lower"], table["lower"], atol=0.005)


def test_group_shares_errors(planted_by_year):
    units, _ = planted_by_year
    shares = ctm.dictionary_shares(units)
    with pytest.raises(ConfigError, match="not a column of the unit table"):
        ctm.group_shares(shares, "country")
    with pytest.raises(ConfigError, match="at most 100,000"):
        ctm.group_shares(shares, "year", n_boot=100_000_000)


# --------------------------------------------------------------------------------------------
# group_shares: the UN speeches against a keyword count

PANDEMIC = re.compile(r"\b(?:pandemic|covid(?:-19)?|coronavirus|vaccines?|vaccination)\b", re.I)


def test_un_pandemic_talk_and_the_biological_share_move_together(un_corpus_path):
    documents = ctm.load_documents(un_corpus_path, filename_fields=UN_PATTERN)
    # the reference: pandemic words per 1,000 words, counted in the raw text, by year
    words = documents["text"].str.count(r"\b\w+\b")
    hits = documents["text"].map(lambda text: len(PANDEMIC.findall(text)))
    per_year = (hits.groupby(documents["year"]).sum() / words.groupby(documents["year"]).sum())
    early, late = per_year.loc[[2020, 2021]].mean(), per_year.loc[[2023, 2024]].mean()
    assert early > 3 * late  # what the count says: COVID-19 filled the 2020-2021 speeches
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusTmWarning)  # speeches without headings
        units = ctm.split_sections(documents).units
    table = ctm.group_shares(ctm.dictionary_shares(units), "year", n_boot=200, random_state=1)
    bio = table[table["domain"] == "biological"].set_index("group")["share"]
    assert bio.loc[[2020, 2021]].mean() > bio.loc[[2023, 2024]].mean()  # the same direction
    assert bio.loc[2020] > bio.loc[2024]
    assert (table.groupby("group")["n_documents"].first() >= 190).all()


# --------------------------------------------------------------------------------------------
# a study of many documents: group figure, bounded figures

LONG_ID = "x" * 5000


@pytest.fixture(scope="module")
def many_documents(tmp_path_factory, un_corpus_path):
    """160 short documents cut from 40 UN speeches (8 countries x 5 years), one of them with
    a 5,000-character doc_id; a study with group_by = "year" and the figures."""
    folder = tmp_path_factory.mktemp("many")
    texts = folder / "texts"
    texts.mkdir()
    for country in ("AGO", "ALB", "ARG", "AUS", "BRA", "DEU", "FRA", "JPN"):
        for path in sorted(un_corpus_path.glob(f"{country}_*.txt")):
            paragraphs = [p for p in path.read_text(encoding="utf-8-sig").splitlines() if p]
            for piece, chunk in enumerate(np.array_split(np.arange(len(paragraphs)), 4)):
                text = "\n\n".join(paragraphs[i] for i in chunk)
                (texts / f"{path.stem}_{piece + 1}.txt").write_text(text, encoding="utf-8")
    first = sorted(texts.glob("*.txt"))[0].name
    (texts / "metadata.csv").write_text(f"file,doc_id\n{first},{LONG_ID}\n", encoding="utf-8")
    study_file = folder / "study.toml"
    study_file.write_text(
        f"""
[corpus]
path = "texts"
filename_fields = "{UN_PATTERN}_{{piece}}"
[models]
methods = ["nmf"]
n_topics = 6
[sweep]
n_topics = [4, 6]
seeds = [1, 2]
[aggregation]
n_boot = 50
[figures]
doc_id = "{LONG_ID}"
group_by = "year"
formats = ["png"]
[run]
cache_dir = "cache"
""",
        encoding="utf-8",
    )
    from corpus_tm.pipeline import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusTmWarning)  # no headings, small sections
        results = run_study(ctm.load_study(study_file), progress=False)
    return results


def _with_figures(results, **settings):
    study = results.study
    values = {**study.settings, "figures": {**study.settings["figures"], **settings}}
    return replace(results, study=replace(study, settings=values))


def _png_size(results, name: str, dpi: int = 100) -> tuple[tuple[int, int], pd.DataFrame]:
    import matplotlib as mpl

    from corpus_tm.figures import figure_bytes, figure_data

    data, draw = figure_data(results, name)
    with mpl.rc_context(STYLE):
        figure = draw()
    with Image.open(io.BytesIO(figure_bytes(figure, "png", dpi=dpi))) as image:
        return image.size, data


def test_every_figure_is_bounded_for_many_documents_and_a_long_id(many_documents):
    from corpus_tm.figures import FIGURES, MAX_HEIGHT, PAGE_WIDTH

    assert many_documents.units["doc_id"].nunique() == 160
    sizes = {}
    for name in FIGURES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CorpusTmWarning)
            sizes[name], _ = _png_size(many_documents, name)
    for name, (width, height) in sizes.items():
        # 100 dpi: a figure is at most a page (7 x 11 inches) and what a tight bounding box
        # adds around it (labels, a colour bar; the table of topic_mapping is wider than the
        # page, 11.7 inches, whatever the corpus); before, a 5,000-character id made one
        # title 70,000 pixels wide and domain_bars a panel per document (160 panels)
        assert width <= 100 * (PAGE_WIDTH + 5), (name, width)
        assert height <= 100 * (MAX_HEIGHT + 0.8), (name, height)
    for name in sizes.keys() - {"topic_mapping"}:
        assert sizes[name][0] <= 100 * (PAGE_WIDTH + 0.3), (name, sizes[name])


def test_figures_of_documents_show_the_largest_and_say_so(many_documents):
    with pytest.warns(CorpusTmWarning, match="30 largest of 160 documents"):
        _, bars = _png_size(many_documents, "domain_bars")
    assert set(bars["level"]) == {"document"}
    assert bars["doc_id"].nunique() == 30
    assert LONG_ID in set(bars["doc_id"])  # figures.doc_id is always among them
    rows = many_documents.section_shares
    tokens = rows[rows["level"] == "document"].drop_duplicates("doc_id")
    tokens = tokens.set_index("doc_id")["n_tokens"].drop(LONG_ID)
    shown = set(bars["doc_id"]) - {LONG_ID}
    assert tokens[list(shown)].min() >= tokens.drop(list(shown)).max()
    fewer = _with_figures(many_documents, max_documents=10)
    with pytest.warns(CorpusTmWarning, match="10 largest of 160"):
        _, table = _png_size(fewer, "document_domains")
    assert table["doc_id"].nunique() == 10


def test_domains_by_year_are_lines_with_intervals(many_documents):
    from corpus_tm.figures import figure_data

    data, draw = figure_data(many_documents, "domains_by_group")
    assert sorted(data["group"].unique()) == [2020, 2021, 2022, 2023, 2024]
    assert data["domain"].nunique() == 6
    assert "other" not in set(data["domain"])
    assert (data["n_documents"] == 32).all()  # 8 countries x 4 pieces a year
    import matplotlib as mpl

    with mpl.rc_context(STYLE):
        figure = draw()
    (ax,) = figure.axes
    assert len(ax.lines) == 6  # one line per domain
    colours = {line.get_label(): line.get_color() for line in ax.lines}
    expected = ctm.domain_colors(sorted(data["domain"].unique()))
    assert {d.replace(" ", "_"): c for d, c in colours.items()} == {
        d: c for d, c in expected.items() if d in set(data["domain"])
    }
    assert figure.get_figwidth() <= 7.0
    assert min(t.get_fontsize() for t in figure.findobj(lambda a: hasattr(a, "get_fontsize"))) >= 7


def test_domains_by_country_are_capped_and_say_so(many_documents):
    by_country = _with_figures(many_documents, group_by="country", max_groups=5)
    with pytest.warns(CorpusTmWarning, match="5 of 8 values of 'country'"):
        size, data = _png_size(by_country, "domains_by_group")
    assert data["group"].nunique() == 5
    assert size[0] <= 100 * 7.3
    by_piece_text = _with_figures(many_documents, group_by="country", max_groups=20)
    from corpus_tm.figures import figure_data

    data, draw = figure_data(by_piece_text, "domains_by_group")
    assert data["group"].tolist()[:1] == ["AGO"]  # text groups in order, not capped
    figure = draw()
    assert "most documents" not in figure.get_suptitle()


def test_group_by_a_column_the_documents_lack_is_said_before_the_models(
    tmp_path, example_corpus_path, monkeypatch
):
    from corpus_tm import pipeline

    study = tmp_path / "study.toml"
    study.write_text(
        f'[corpus]\npath = "{example_corpus_path.as_posix()}"\n[figures]\ngroup_by = "year"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(
        pipeline, "_sweep_and_k", lambda *a, **k: pytest.fail("the sweep ran before the check")
    )
    with pytest.raises(ConfigError, match=re.escape("group_by = 'year' is not a metadata column")):
        pipeline.run_study(ctm.load_study(study), progress=False)


def test_a_study_without_group_by_does_not_draw_the_group_figure(tmp_path, example_corpus_path):
    from corpus_tm.figures import FIGURES, default_figures

    path = tmp_path / "study.toml"
    path.write_text(f'[corpus]\npath = "{example_corpus_path.as_posix()}"\n', encoding="utf-8")
    study = ctm.load_study(path)
    assert "domains_by_group" in FIGURES
    assert default_figures(study) == [n for n in FIGURES if n != "domains_by_group"]
    assert "group_by" not in study.settings["figures"]  # the manifest of old studies is as was
    path.write_text(
        f'[corpus]\npath = "{example_corpus_path.as_posix()}"\n'
        '[figures]\nmake = ["domains_by_group"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"needs figures\.group_by"):
        ctm.load_study(path)


def test_shorten_label_bounds_any_label():
    from corpus_tm.plotting import _wrap

    assert ctm.shorten_label("qiushi-2020-08") == "qiushi-2020-08"
    cut = ctm.shorten_label(LONG_ID)
    assert len(cut) == 40
    assert cut.endswith("\u2026")
    wrapped = _wrap(LONG_ID, 28)
    assert wrapped.count("\n") == 2
    assert max(map(len, wrapped.split("\n"))) <= 28


def test_bootstrap_memory_does_not_grow_with_n_boot_times_units(monkeypatch):
    """Resamples are drawn in chunks; numpy gives the same numbers in chunks as at once."""
    from corpus_tm import aggregation

    rng_values = np.random.default_rng(0).random((3000, 4))
    weights = np.random.default_rng(1).integers(1, 50, 3000).astype(float)
    whole = aggregation._resample(np.random.default_rng(7), 200, weights, [rng_values])
    monkeypatch.setattr(aggregation, "_RESAMPLE_CELLS", 10_000)  # 3 replicates a chunk
    chunked = aggregation._resample(np.random.default_rng(7), 200, weights, [rng_values])
    np.testing.assert_array_equal(whole[0], chunked[0])
    np.testing.assert_allclose(whole[1][0], chunked[1][0], rtol=1e-12)
