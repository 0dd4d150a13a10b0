"""The notebooks: stored without outputs, thin, and run top to bottom in a fresh kernel."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_three_notebooks():
    assert [p.stem for p in NOTEBOOKS] == [
        "01_corpus_and_sections",
        "02_models_and_k",
        "03_domains_by_section",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean_and_thin(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{path.name}: outputs are committed (strip them)"
        assert cell.execution_count is None
        tree = ast.parse(cell.source)
        defined = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda)
        ]
        assert not defined, f"{path.name}: define functions in corpus_tm, not in notebooks"


def _draws(source: str) -> bool:
    """Whether a cell calls ``draw_figure`` or a ``plot_*`` function."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "draw_figure" or name.startswith("plot_"):
                return True
    return False


def _shows_image(cell) -> bool:
    return any(
        o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {})
        for o in cell.outputs
    )


def _execute(notebook, folder: Path, monkeypatch) -> None:
    """Run ``notebook`` in a fresh kernel (the inline backend, as in Jupyter), in ``folder``."""
    from nbclient import NotebookClient

    # the kernel inherits the environment: with MPLBACKEND=Agg (set by ./run test) it would
    # not use the inline backend and would show no figure
    monkeypatch.delenv("MPLBACKEND", raising=False)
    client = NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    errors = [
        f"{o.ename}: {o.evalue}"
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if o.output_type == "error"
    ]
    assert not errors


def test_draws_finds_the_figure_cells():
    assert _draws('figure, data = ctm.draw_figure(results, "k_choice")')
    assert _draws("ctm.plot_k_choice(metrics, recommended=8);")
    assert not _draws("results.section_shares  # plot_ later")


def _folder(path: Path, request) -> Path:
    """Where the notebook runs: its own folder, or for a notebook that runs the repository's
    study (``../study.toml``), the notebooks folder of the session's reference build, a copy of
    the repository's layout whose study cache that cold build filled (conftest
    ``reference_build``); the study is then not fitted again, and no cache is left in the
    working tree."""
    if "../study.toml" not in path.read_text(encoding="utf-8"):
        return path.parent
    folder = request.getfixturevalue("reference_build").study.parent / "notebooks"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel(path, monkeypatch, request):
    notebook = nbformat.read(path, as_version=4)
    _execute(notebook, _folder(path, request), monkeypatch)
    figure_cells = [
        cell for cell in notebook.cells if cell.cell_type == "code" and _draws(cell.source)
    ]
    if path.stem != "01_corpus_and_sections":
        assert figure_cells, f"{path.name} draws no figure"
    blank = [cell.get("id") for cell in figure_cells if not _shows_image(cell)]
    assert not blank, f"{path.name}: figure cells without an image: {blank}"


SMALL_STUDY_TABLES = """
[run]
cache_dir = "cache"
n_jobs = 1
"""


@pytest.mark.slow
def test_figures_still_show_after_draw_figure(small_study, tmp_path, monkeypatch):
    """draw_figure leaves the kernel's backend and interactive mode alone (issue 13).

    The first figure drawn in a kernel used to load the inline backend inside the style's
    rc_context, whose end switched interactive mode off again: no later figure showed.
    """
    from nbformat.v4 import new_code_cell, new_notebook

    small_study(SMALL_STUDY_TABLES)  # study.toml in tmp_path, where the kernel runs
    sources = [
        "import warnings\n\nimport corpus_tm as ctm\n\n"
        "warnings.simplefilter('ignore')  # a tiny study: small-sample and seed-term warnings\n"
        "results = ctm.run_study(ctm.load_study('study.toml'), progress=False)",
        "figure, data = ctm.draw_figure(results, 'topic_mapping')",
        "figure, data = ctm.draw_figure(results, 'domain_flow')",
        "import matplotlib.pyplot as plt\n\nplt.plot([1, 2])",
        "import matplotlib as mpl\n\nprint(mpl.is_interactive())",
    ]
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    _execute(notebook, tmp_path, monkeypatch)
    shown = [_shows_image(cell) for cell in notebook.cells]
    assert shown == [False, True, True, True, False]
    assert notebook.cells[-1].outputs[0].text == "True\n"
