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


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel(path, monkeypatch):
    from nbclient import NotebookClient

    # the kernel inherits the environment: with MPLBACKEND=Agg (set by ./run test) it would
    # not use the inline backend and would show no figure
    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    errors = [
        o
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if o.output_type == "error"
    ]
    assert not errors
    images = [
        o
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if "image/png" in o.get("data", {})
    ]
    if path.stem != "01_corpus_and_sections":
        assert images, f"{path.name} shows no figure"
