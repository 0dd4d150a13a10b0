"""Plot functions on tidy tables with known values: what is drawn, where, in which colour."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import corpus_tm as ctm
from corpus_tm import plotting

LABELS = ["Preamble", "1.1 First", "1.2 Second", "Closing"]
DOMAINS = ["political", "economic", "biological", "other"]


def _shares(method="seeded_lda", seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for order, label in enumerate(LABELS):
        values = rng.dirichlet(np.ones(len(DOMAINS)))
        for domain, share in zip(DOMAINS, values, strict=True):
            rows.append({"method": method, "level": "section", "doc_id": "doc", "section": label,
                         "label": label, "order": order, "domain": domain, "share": share,
                         "lower": share * 0.8, "upper": min(1.0, share * 1.2),
                         # enough units for intervals (plotting.MIN_INTERVAL_UNITS)
                         "n_units": 6,
                         "n_tokens": 100 + order})
    return pd.DataFrame(rows)


def test_heatmap_marks_domains_a_method_did_not_resolve():
    shares = _shares()
    _, ax = plt.subplots()
    plotting.plot_section_heatmap(shares, unresolved=["economic", "cyber"], ax=ax)
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("n.r.") == 1  # cyber is not drawn at all
    assert len(texts) == len(LABELS) * (len(DOMAINS) - 1) + 1
    image = np.ma.getdata(ax.get_images()[0].get_array())
    assert np.isnan(image[:, DOMAINS.index("economic")]).all()
    assert not np.isnan(image[:, DOMAINS.index("political")]).any()
    assert any(p.get_hatch() == "///" for p in ax.patches)


def test_domain_colors_are_fixed_distinct_and_grey_for_other():
    colors = plotting.domain_colors()
    assert len(set(colors.values())) == len(colors) == 21
    assert colors["other"] == plotting.OTHER_COLOR
    assert plotting.domain_colors(["military", "political"]) == {
        "military": colors["military"], "political": colors["political"]}
    custom = plotting.domain_colors(["maritime", "political"])
    assert custom["maritime"] not in (colors["political"], colors["other"])


def test_heatmap_draws_every_cell_in_document_order():
    shares = _shares()
    _, ax = plt.subplots()
    returned = plotting.plot_section_heatmap(shares, ax=ax, intervals=True)
    assert returned is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == LABELS
    assert [t.get_text() for t in ax.get_xticklabels()] == ["political", "economic",
                                                              "biological", "other"]
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == len(LABELS) * len(DOMAINS)
    first = shares.iloc[0]
    assert cells[0].split("\n")[0] == f"{100 * first['share']:.0f}"
    image = ax.get_images()[0].get_array()
    expected = shares.pivot(index="order", columns="domain", values="share")[DOMAINS]  # noqa: PD010
    np.testing.assert_allclose(np.asarray(image), expected.to_numpy())


def test_heatmap_uses_current_axes_and_asks_to_choose_a_method():
    both = pd.concat([_shares("a"), _shares("b", seed=1)])
    with pytest.raises(ctm.ConfigError, match="method="):
        plotting.plot_section_heatmap(both)
    figure = plt.figure()
    ax = plotting.plot_section_heatmap(both, method="b", colorbar=False)
    assert ax.figure is figure


def test_bars_sum_to_one_and_use_domain_colours():
    shares = _shares()
    _, ax = plt.subplots()
    plotting.plot_domain_bars(shares, domains=["political", "economic"], ax=ax)
    widths = np.zeros(len(LABELS))
    for patch in ax.patches:
        widths[round(patch.get_y() + patch.get_height() / 2)] += patch.get_width()
    np.testing.assert_allclose(widths, 1.0)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["political", "economic", "other"]
    colors = plotting.domain_colors()
    first_bar = ax.containers[0].patches[0]
    assert to_hex(first_bar.get_facecolor()) == colors["political"].lower()


def test_flow_draws_lines_and_bands():
    shares = _shares()
    _, ax = plt.subplots()
    plotting.plot_domain_flow(shares, domains=["political", "biological"], ax=ax)
    assert len(ax.lines) == 2
    assert len(ax.collections) == 2
    np.testing.assert_allclose(
        ax.lines[0].get_ydata(),
        shares.query("domain == 'political'").sort_values("order")["share"])


def test_top_terms_titles_carry_the_domain():
    terms = pd.DataFrame({"topic": np.repeat([0, 1, 2], 3), "rank": np.tile([1, 2, 3], 3),
                          "term": list("abcdefghi"), "weight": np.tile([0.5, 0.3, 0.2], 3)})
    mapping = {0: "political", 1: "artificial_intelligence"}
    axes = plotting.plot_top_terms(terms, mapping=mapping, ncols=2)
    titles = [ax.get_title(loc="left") for ax in axes.ravel()]
    assert titles[:3] == ["topic 0\npolitical", "topic 1\nartificial\nintelligence", "topic 2"]
    assert not axes.ravel()[3].get_visible()


def test_k_choice_plots_mean_over_seeds():
    metrics = pd.DataFrame({"k": [3, 3, 5, 5], "seed": [1, 2, 1, 2],
                            "c_npmi": [0.1, 0.3, 0.2, 0.2], "diversity": [1.0, 0.8, 0.9, 0.7],
                            "stability": [0.9, 0.9, 0.5, 0.5]})
    axes = plotting.plot_k_choice(metrics, recommended=3)
    np.testing.assert_allclose(axes.ravel()[0].lines[0].get_ydata(), [0.2, 0.2])
    assert axes.ravel()[0].lines[1].get_xdata()[0] == 3


def test_method_comparison_shares_one_scale():
    shares = pd.concat([_shares("seeded_lda"), _shares("dictionary", seed=3)])
    axes = plotting.plot_method_comparison(shares, domains=DOMAINS)
    images = [ax.get_images()[0] for ax in axes.ravel()]
    assert images[0].get_clim() == images[1].get_clim()
    assert [ax.get_title(loc="left") for ax in axes.ravel()] == ["seeded lda", "dictionary"]


def test_mapping_table_colours_domains():
    mapping = pd.DataFrame({"topic": [0, 1], "domain": ["political", "other"],
                            "score": [0.3, 0.01], "runner_up": ["economic", "cyber"],
                            "margin": [0.2, 0.0]})
    _, ax = plt.subplots()
    plotting.plot_mapping_table(mapping, ax=ax)
    table = ax.tables[0]
    assert table[1, 1].get_text().get_text() == "political"
    assert table[0, 0].get_text().get_text() == "topic"


def test_heatmap_of_whole_documents_has_one_row_per_document_in_corpus_order(example_units):
    """The document_domains figure: rows are the documents, in the order of the corpus."""
    corpus = ctm.build_corpus(example_units, cache_dir=False)
    shares = ctm.dictionary_shares(corpus, ctm.default_lexicon())
    table = ctm.section_shares(shares, level="document", interval="none")
    _, ax = plt.subplots()
    plotting.plot_section_heatmap(table, domains=["political", "biological", "other"], ax=ax)
    documents = list(dict.fromkeys(example_units["doc_id"]))
    assert len(documents) == 2
    assert [t.get_text() for t in ax.get_yticklabels()] == documents
    assert ax.get_ylabel() == "document"
    image = np.asarray(ax.get_images()[0].get_array())
    for row, doc_id in enumerate(documents):
        rows = table[(table["doc_id"] == doc_id)].set_index("domain")["share"]
        np.testing.assert_allclose(image[row], rows[["political", "biological", "other"]])
    # a section table still asks for one document
    sections = ctm.section_shares(shares, level="section", interval="none")
    with pytest.raises(ctm.ConfigError, match="several doc_id values"):
        plotting.plot_section_heatmap(sections, ax=ax)
