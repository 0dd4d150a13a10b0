"""The figures command: committed figures are what the code makes, runs are cached and locked."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from filelock import FileLock

import corpus_tm as ctm
from corpus_tm import cli, figures
from corpus_tm.study import FIGURE_NEEDS, load_study

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "figures"


@pytest.fixture(scope="module")
def first_build(reference_build):
    """The session's cold build of the repository's study (conftest ``reference_build``)."""
    return reference_build.output, reference_build.manifest


@pytest.fixture
def reference_study(reference_build):
    """The study of the reference build, whose cache that build filled."""
    return load_study(reference_build.study)


@pytest.fixture(scope="module")
def cached_results(reference_build):
    """The study's results, from the cache the first build filled."""
    with pytest.warns(ctm.SmallSampleWarning):
        return ctm.run_study(load_study(reference_build.study), progress=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_committed_figures_are_what_the_code_makes(first_build):
    output, manifest = first_build
    committed = json.loads((COMMITTED / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["files"] == committed["files"], (
        "figures/ is stale: run ./run figures and commit the result"
    )
    for name, sha in manifest["files"].items():
        assert _sha(output / name) == sha == _sha(COMMITTED / name), name
    assert (output / "MANIFEST.json").read_bytes() == (COMMITTED / "MANIFEST.json").read_bytes()


def test_a_cold_run_warns_of_domains_without_enough_seed_terms(reference_build):
    """The cold build warns (one line on stderr) that some domains get no seeded topic."""
    warned = [
        line
        for line in reference_build.stderr.splitlines()
        if line.startswith("corpus-tm figures: CorpusTmWarning: ") and "fewer than" in line
    ]
    assert warned, reference_build.stderr
    assert "Traceback" not in reference_build.stderr


def test_manifest_describes_the_run(first_build, example_corpus_path):
    output, manifest = first_build
    assert set(manifest["files"]) == {
        f"{name}.{suffix}"
        for name in figures.FIGURES
        if name not in FIGURE_NEEDS  # domains_by_group: the example study sets no group_by
        for suffix in ("png", "svg", "csv")
    }
    assert manifest["corpus_hash"] == figures.corpus_hash(example_corpus_path)
    assert manifest["settings"]["corpus"]["path"] == "../shared/corpus"
    assert manifest["seeds"]["models"] == 1
    assert manifest["versions"]["matplotlib"] == figures.package_versions()["matplotlib"]
    assert not list(output.glob(".*.tmp"))


def test_second_run_reuses_every_cached_step(first_build, reference_study, tmp_path, monkeypatch):
    _, manifest = first_build

    def fail(*args, **kwargs):
        raise AssertionError("refitted or redrew although nothing changed")

    for module, name in (
        ("corpus_tm.models", "fit_lda"),
        ("corpus_tm.models", "fit_nmf"),
        ("corpus_tm.domains", "fit_seeded_lda"),
        ("corpus_tm.evaluation", "sweep"),
        ("corpus_tm.preprocessing", "preprocess_texts"),
    ):
        monkeypatch.setattr(f"{module}.{name}", fail)
    monkeypatch.setattr(figures, "figure_bytes", fail)
    with pytest.warns(ctm.SmallSampleWarning):
        again = ctm.make_figures(reference_study, output=tmp_path, progress=False)
    assert again == manifest


def test_a_second_run_at_once_is_refused(reference_study, tmp_path):
    with (
        FileLock(str(tmp_path / figures.LOCK_NAME)),
        pytest.raises(ctm.InputError, match="another corpus-tm figures run"),
    ):
        ctm.make_figures(reference_study, output=tmp_path, progress=False)


def test_unwritable_output_folder(reference_study, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ctm.InputError, match="cannot create the figures folder"):
        ctm.make_figures(reference_study, output=blocker / "figures", progress=False)


SMALL_STUDY_TABLES = """
[figures]
output = "out"
formats = ["png"]
dpi = 20
make = ["topic_mapping"]
[run]
cache_dir = "cache"
"""


def test_a_run_removes_only_its_own_temporaries(small_study, tmp_path):
    """A user's .tmp and .write-test files in the output folder survive a figures run."""
    study = small_study(SMALL_STUDY_TABLES)
    output = tmp_path / "out"
    output.mkdir()
    mine = {
        "notes.tmp": b"notes",
        ".draft.tmp": b"a draft",
        ".write-test-mine": b"mine",
        ".topic_mapping.png.abcd1234.tmp": b"named like an output, but not ours",
    }
    for name, data in mine.items():
        (output / name).write_bytes(data)
    ours = [  # left by killed runs: an output being written, the write test
        output / ".corpus-tm-topic_mapping.png.abcd_123.tmp",
        output / ".corpus-tm-write-test.0123abcd.tmp",
    ]
    for path in ours:
        path.write_bytes(b"half")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a tiny study: small-sample and seed-term warnings
        manifest = ctm.make_figures(study, progress=False)
    assert set(manifest["files"]) == {"topic_mapping.csv", "topic_mapping.png"}
    for name, data in mine.items():
        assert (output / name).read_bytes() == data, name
    assert not any(path.exists() for path in ours)
    hidden = {p.name for p in output.iterdir() if p.name.startswith(".")}
    assert hidden == {*mine, figures.LOCK_NAME} - {"notes.tmp"}


def test_figure_bytes_are_stable_within_a_process():
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    assert figures.figure_bytes(figure, "svg") == figures.figure_bytes(figure, "svg")
    assert figures.figure_bytes(figure, "png") == figures.figure_bytes(figure, "png")
    assert b"<dc:date>" not in figures.figure_bytes(figure, "svg")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpus_tm", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def test_cli_help_for_every_subcommand():
    for command in ("figures", "sections", "sweep", "topics"):
        result = _cli(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage: corpus-tm" in result.stdout


def test_cli_sections_prints_the_tree(example_corpus_path):
    result = _cli("sections", str(example_corpus_path))
    assert result.returncode == 0, result.stderr
    assert "3.5 Fifth" in result.stdout
    assert "Closing" in result.stdout


def test_cli_errors_are_one_line_without_traceback(tmp_path):
    result = _cli("sections", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    bad_study = tmp_path / "bad.toml"
    bad_study.write_text('corpus.path = "x"\nmodels.n_topics = "many"\n', encoding="utf-8")
    result = _cli("figures", str(bad_study))
    assert result.returncode == 2
    assert "models.n_topics must be" in result.stderr
    assert "Traceback" not in result.stderr


def test_round_table_rounds_floats_only_and_once():
    table = pd.DataFrame(
        {
            "share": [0.123456, -0.0001, 1e-7, np.nan, 2.0],
            "weight": [0.123456, 0.01774, 0.01736, 1.0, -2.43406],
            "n": [1, 2, 3, 4, 5],
            "label": ["a", "b", "c", "d", "e"],
        }
    )
    rounded = figures.round_table(table)
    assert rounded["share"].tolist()[:3] == [0.123, 0.0, 0.0]  # 0.1 percentage points
    assert rounded["weight"].tolist() == [0.1235, 0.0177, 0.0174, 1.0, -2.4341]
    assert not np.signbit(rounded["share"].to_numpy()[1])  # no "-0" in a CSV
    assert rounded["n"].tolist() == [1, 2, 3, 4, 5]
    assert rounded["n"].dtype == table["n"].dtype
    pd.testing.assert_frame_equal(figures.round_table(rounded), rounded)
    assert figures.table_bytes(table) == (
        b"share,weight,n,label\n0.123,0.1235,1,a\n0,0.0177,2,b\n0,0.0174,3,c\n,1,4,d\n"
        b"2,-2.4341,5,e\n"
    )
    # numbers that differ in the last bits give the same bytes
    nudged = table.assign(share=table["share"] * (1 + 1e-12))
    assert not nudged["share"].equals(table["share"])
    assert figures.table_bytes(nudged) == figures.table_bytes(table)


def _nudge(table: pd.DataFrame) -> pd.DataFrame:
    """Every float one step (ulp) up, as another BLAS kernel might compute it; numbers that
    lie exactly on a rounding boundary (such as 1/32 = 0.03125) are left as they are."""
    table = table.copy()
    for column in table.columns:
        if pd.api.types.is_float_dtype(table[column]):
            x = table[column].to_numpy(dtype=float)
            scaled = np.abs(x) * 10 ** figures.decimals(column)
            off_boundary = np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6
            table[column] = np.where(off_boundary, np.nextafter(x, np.inf), x)
    return table


@pytest.mark.slow
def test_every_figure_draws_the_rounded_data(cached_results):
    """Numbers one ulp off (another processor's BLAS) change neither a CSV nor a figure.

    The figure functions take the section shares, the sweep metrics and the NMF model's top
    terms and mapping from the results; all of them are nudged here.
    """
    results = cached_results
    nmf = results.domain_shares["nmf_mapped"]
    model = SimpleNamespace(
        n_topics=nmf.model.n_topics, top_terms=lambda n: _nudge(nmf.model.top_terms(n))
    )
    nudged = dataclasses.replace(
        results,
        section_shares=_nudge(results.section_shares),
        sweep_metrics=_nudge(results.sweep_metrics),
        domain_shares={
            **results.domain_shares,
            "nmf_mapped": SimpleNamespace(model=model, mapping=_nudge(nmf.mapping)),
        },
    )
    assert not nudged.section_shares.equals(results.section_shares)
    for name in figures.default_figures(results.study):
        drawn = []
        for variant in (results, nudged):
            figure, data = figures.draw_figure(variant, name)
            drawn.append((figures.table_bytes(data), figures.figure_bytes(figure, "svg")))
        assert drawn[0][0] == drawn[1][0], f"{name}.csv"
        assert drawn[0][1] == drawn[1][1], f"{name}.svg"
        pd.testing.assert_frame_equal(data, figures.round_table(data))


def test_manifest_paths_are_as_the_study_writes_them(tmp_path, example_corpus_path):
    """A symlink on the way (../shared linking elsewhere) does not show in the manifest."""
    (tmp_path / "shared").symlink_to(example_corpus_path.parent, target_is_directory=True)
    (tmp_path / "project").mkdir()
    study_file = tmp_path / "project" / "study.toml"
    study_file.write_text(
        '[corpus]\npath = "../shared/corpus"\n[figures]\noutput = "./out/figures/"\n',
        encoding="utf-8",
    )
    study = load_study(study_file)
    settings = figures._relative_settings(study)
    assert settings["corpus"]["path"] == "../shared/corpus"
    assert settings["figures"]["output"] == "out/figures"
    assert settings["domains"]["lexicon"] == "default"
    assert "run" not in settings
    # a setting changed after reading is no longer what the file says: relative to the study
    study.settings["figures"]["output"] = str(tmp_path / "project" / "elsewhere")
    assert figures._relative_settings(study)["figures"]["output"] == "elsewhere"


def test_check_lists_what_differs(tmp_path, monkeypatch, capsys):
    """--check builds elsewhere with its own cache and names every file that differs."""
    study_file = REPO / "study.toml"
    study = load_study(study_file)
    built = {
        "a.csv": b"domain,runner_up,share,n\npolitical,,0.5,3\neconomic,social,0.25,4\n",
        "a.svg": b"<svg/>",
        "MANIFEST.json": json.dumps({"files": {"a.csv": "x"}, "study": "s"}).encode(),
    }

    def fake_make_figures(study_arg, *, output, progress=None):
        assert Path(output).parent == Path(study_arg.cache_dir).parent  # one scratch folder
        assert Path(output) != study.output_dir
        assert study_arg.cache_dir != study.cache_dir
        for name, payload in built.items():
            (Path(output) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(output) / name).write_bytes(payload)
        return {"files": {"a.csv": "x", "a.svg": "y"}}

    monkeypatch.setattr(figures, "make_figures", fake_make_figures)
    folder = tmp_path / "committed"
    folder.mkdir()
    for name, payload in built.items():
        (folder / name).write_bytes(payload)
    (folder / ".corpus-tm.lock").write_bytes(b"")
    argv = ["figures", "--check", "--output", str(folder), "--quiet", str(study_file)]
    assert cli.main(argv) == 0
    assert "every file is what a fresh build makes" in capsys.readouterr().out

    changed = b"domain,runner_up,share,n\npolitical,,0.501,3\neconomic,social,0.25,4\n"
    (folder / "a.csv").write_bytes(changed)
    (folder / "a.svg").unlink()
    (folder / "MANIFEST.json").write_bytes(json.dumps({"files": {}, "study": "s"}).encode())
    (folder / "old.png").write_bytes(b"")
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "4 files differ" in out
    assert "a.csv differs: largest absolute difference 0.001 (share, row 1" in out
    assert "1 of 4 numbers differ" in out
    assert "text cells" not in out  # an empty cell on both sides is no difference
    assert "a.svg missing" in out
    assert "MANIFEST.json differs: keys differ: files (1)" in out
    assert "old.png extra" in out
    assert ".corpus-tm.lock" not in out
    differences = figures.check_figures(study, against=folder, progress=False)
    assert [d.max_abs_diff for d in differences if d.name == "a.csv"] == [pytest.approx(1e-3)]


KERNELS = ("Haswell", "Prescott", "SkylakeX")  # OPENBLAS_CORETYPE values; Prescott is "Katmai"


def _kernel_of(coretype: str | None) -> str:
    """The OpenBLAS kernel a fresh process picks with OPENBLAS_CORETYPE set to ``coretype``."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    code = "import numpy; from corpus_tm.figures import blas_kernels; print(blas_kernels())"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


@pytest.mark.slow
def test_figures_are_the_same_bytes_on_every_blas_kernel(first_build):
    """Cold builds under three OpenBLAS kernels give the bytes of this process's build.

    Each ``corpus-tm figures --check`` builds from an empty cache of its own. The kernel of
    this process (that of the reference build) is not built again.
    """
    reference, _ = first_build
    here = _kernel_of(os.environ.get("OPENBLAS_CORETYPE"))
    kernels = {coretype: _kernel_of(coretype) for coretype in KERNELS}
    assert len({here, *kernels.values()}) >= 3, f"OpenBLAS ignored OPENBLAS_CORETYPE: {kernels}"
    for coretype, kernel in kernels.items():
        if kernel == here:
            continue
        env = {**os.environ, "OPENBLAS_CORETYPE": coretype, "MPLBACKEND": "Agg"}
        command = ["figures", "--check", "--quiet", "--output", str(reference), "study.toml"]
        result = subprocess.run(
            [sys.executable, "-m", "corpus_tm", *command],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            check=False,
        )
        assert result.returncode == 0, f"{coretype} ({kernel}):\n{result.stdout}{result.stderr}"
