"""Shared fixtures: paths to the example corpus and the larger real corpora beside the repo,
and one cold build of the repository's study for every test that needs one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomli_w
from filelock import FileLock
from hypothesis import settings

# CI explores the same examples every run (a failure there is reproducible); locally Hypothesis
# keeps drawing new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
EXAMPLE_CORPUS = SHARED / "corpus"
NSS_CORPUS = SHARED / "corpora" / "us-national-security-strategy" / "texts"
UN_CORPUS = SHARED / "corpora" / "un-general-debate-2020-2024" / "texts"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: the tests need ../shared beside the repository.")
    return path


# --- running on two workers (pytest-xdist, ``-n 2 --dist loadfile`` in pyproject.toml) -------

#: Units of work that take longest, started first so that none of them starts last; the rest
#: follow in file order. A unit is a module, whose tests run on one worker so that its module
#: fixtures are made once, or a test named here, which is a unit of its own. xdist hands each
#: worker one unit, then another to a worker with at most two tests left: the third unit here
#: is a short one, so that nothing long waits behind the first. The list serves both tiers
#: (``./run test``, not slow; ``./run test-slow``): units a tier leaves out are not scheduled.
LONGEST_FIRST = (
    # four models of 100 topics on the UN corpus: the longest test, two minutes
    "tests/test_validation.py::test_un_facts_hold_or_are_flagged_for_every_method",
    "tests/test_figures.py",  # the session's reference build, cold builds on two BLAS kernels
    "tests/test_study.py",  # short
    # one cold build of the Chinese study (conftest chinese_build): about as long as the
    # reference build
    "tests/test_chinese_study.py",
    "tests/test_spark.py",  # one local[2] Spark session: about four minutes on a busy machine
    "tests/test_faults.py",
    "tests/test_validation.py",
    "tests/test_notebooks.py",
    "tests/test_determinism.py",
    "tests/test_properties.py",
    "tests/test_evaluation.py",
    "tests/test_hardening.py",
    "tests/test_models.py",
)


def _unit(nodeid: str) -> str:
    """The unit of work a test belongs to: the test itself if LONGEST_FIRST names it, or its
    module."""
    return nodeid if nodeid in LONGEST_FIRST else nodeid.split("::")[0]


def _rank(nodeid: str) -> int:
    unit = _unit(nodeid)
    return LONGEST_FIRST.index(unit) if unit in LONGEST_FIRST else len(LONGEST_FIRST)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, with the tests LONGEST_FIRST names as units of their own."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

    return Scheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """On a pytest-xdist worker, put the units in the order of LONGEST_FIRST (the order in
    which the scheduler hands them out, with ``--no-loadscope-reorder``); a stable sort keeps
    file order within a unit and among the rest. Without xdist the order is the usual one."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: _rank(item.nodeid))


@pytest.fixture(scope="session")
def example_corpus_path() -> Path:
    return _require(EXAMPLE_CORPUS)


@pytest.fixture(scope="session")
def nss_corpus_path() -> Path:
    return _require(NSS_CORPUS)


@pytest.fixture(scope="session")
def un_corpus_path() -> Path:
    return _require(UN_CORPUS)


@pytest.fixture(scope="session")
def example_units(example_corpus_path):
    import corpus_tm as ctm

    return ctm.read_corpus(example_corpus_path)


SMALL_STUDY = """
[models]
n_topics = 3
passes = 1
iterations = 5
free_topics = 1
keyatm_iterations = 10
[sweep]
n_topics = [3]
seeds = [1, 2]
[aggregation]
n_boot = 10
"""


@pytest.fixture
def small_study(tmp_path, example_corpus_path):
    """Write a fast study of the example corpus (3 topics, few iterations) into ``tmp_path``.

    Call it with the study file's remaining tables (``[figures]``, ``[run]``) as TOML text;
    it returns the path of ``study.toml``.
    """

    def write(extra: str = "") -> Path:
        path = tmp_path / "study.toml"
        corpus = f'[corpus]\npath = "{example_corpus_path.as_posix()}"\n'
        path.write_text(corpus + SMALL_STUDY + extra, encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_the_repository(tmp_path_factory):
    """Keep caches that tests make without naming a cache_dir out of the working tree."""
    import os

    previous = os.environ.get("CORPUS_TM_CACHE_DIR")
    os.environ["CORPUS_TM_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("CORPUS_TM_CACHE_DIR", None)
    else:
        os.environ["CORPUS_TM_CACHE_DIR"] = previous


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """BLAS and OpenMP on one thread in the test processes, as in a sweep (corpus_tm.evaluation).

    The two xdist workers share two cores: a worker whose BLAS also runs a second thread does
    not finish sooner, it slows both down (NMF of 100 topics on the UN corpus took twice the
    time). The processes the tests start (the figures command, notebook kernels) are left as a
    user's are.
    """
    import gensim.models  # noqa: F401  (load every BLAS and OpenMP library first: the limit
    import sklearn.decomposition  # noqa: F401  applies to those loaded when it is set)
    from threadpoolctl import threadpool_limits

    import corpus_tm  # noqa: F401

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close("all")


@pytest.fixture(autouse=True)
def _idle_machine(monkeypatch):
    """Whether a stage uses several processes must not depend on the machine's load in tests:
    they run as on an idle machine (tests/test_parallel.py tests the load rule itself)."""
    from corpus_tm import parallel

    monkeypatch.setattr(parallel, "system_load", lambda: 0.0)


# --- one cold build of the repository's study, shared by the whole session -------------------


def _write_study_copy(folder: Path, *, n_jobs: int) -> Path:
    """The repository's study in ``folder/project``, beside a link ``folder/shared``.

    The study reads ``../shared/corpus`` as in the repository, so its manifest is the
    committed one; only the ``[run]`` table (not part of the manifest) differs: a cache of its
    own (``project/cache``) and ``n_jobs``.
    """
    project = folder / "project"
    project.mkdir(parents=True, exist_ok=True)
    link = folder / "shared"
    if not link.exists():
        link.symlink_to(_require(SHARED), target_is_directory=True)
    data = tomllib.loads((REPO / "study.toml").read_text(encoding="utf-8"))
    data["run"]["cache_dir"] = "cache"
    data["run"]["n_jobs"] = n_jobs
    path = project / "study.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _run_figures(study: Path, output: Path, *, hash_seed: str) -> subprocess.CompletedProcess[str]:
    """``python -m corpus_tm figures STUDY --output OUTPUT --quiet`` in a fresh process."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": hash_seed}
    env.pop("CORPUS_TM_CACHE_DIR", None)
    command = [sys.executable, "-m", "corpus_tm", "figures", str(study), "--output", str(output)]
    return subprocess.run(
        [*command, "--quiet"],
        cwd=study.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


@pytest.fixture(scope="session")
def study_copy():
    """Write the repository's study into a folder: ``study_copy(folder, n_jobs=1)``.

    Returns the path of ``folder/project/study.toml`` (see ``_write_study_copy``).
    """
    return _write_study_copy


@pytest.fixture(scope="session")
def figures_run():
    """Run the figures command in a fresh process: ``figures_run(study, output, hash_seed="0")``.

    The environment is this one with ``MPLBACKEND=Agg``, the given ``PYTHONHASHSEED`` and
    without ``CORPUS_TM_CACHE_DIR``; the study's folder is the working directory.
    """
    return _run_figures


@dataclass(frozen=True)
class ReferenceBuild:
    """A cold ``corpus-tm figures`` run of the repository's study (see ``reference_build``)."""

    study: Path  # project/study.toml, its cache project/cache
    output: Path  # project/figures
    cache: Path
    cache_as_built: Path  # a copy of the cache taken right after the run
    manifest: dict
    stderr: str
    n_jobs: int
    hash_seed: str


REFERENCE_N_JOBS = 2
REFERENCE_HASH_SEED = "123"


@pytest.fixture(scope="session")
def reference_build(tmp_path_factory) -> ReferenceBuild:
    """One cold build of the repository's study, made once per test session.

    ``python -m corpus_tm figures`` on a copy of the study (``study_copy``) with an
    empty cache, ``run.n_jobs = 2`` and ``PYTHONHASHSEED=123``. The figures tests compare it
    with the committed figures and reuse its cache, the determinism tests compare a second
    cold run with other settings against it, and the third notebook runs on its cache.
    Tests must not change it: they write their outputs elsewhere (the cache may gain entries,
    so ``cache_as_built`` keeps it as the cold run left it).

    With pytest-xdist the workers share the build: the first to need it makes it under a
    lock in the run's common temporary folder, the others wait for it and read it.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run only
    folder = root / "reference-build"
    record = folder / "build.json"
    with FileLock(str(root / "reference-build.lock")):
        if not record.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
            study = _write_study_copy(folder, n_jobs=REFERENCE_N_JOBS)
            output = study.parent / "figures"
            process = _run_figures(study, output, hash_seed=REFERENCE_HASH_SEED)
            if process.returncode != 0:
                pytest.fail(f"the reference build failed:\n{process.stderr}")
            shutil.copytree(study.parent / "cache", folder / "cache-as-built", symlinks=True)
            manifest = json.loads((output / "MANIFEST.json").read_text(encoding="utf-8"))
            data = {"manifest": manifest, "stderr": process.stderr}
            record.write_text(json.dumps(data), encoding="utf-8")
    data = json.loads(record.read_text(encoding="utf-8"))
    project = folder / "project"
    return ReferenceBuild(
        study=project / "study.toml",
        output=project / "figures",
        cache=project / "cache",
        cache_as_built=folder / "cache-as-built",
        manifest=data["manifest"],
        stderr=data["stderr"],
        n_jobs=REFERENCE_N_JOBS,
        hash_seed=REFERENCE_HASH_SEED,
    )


# --- one cold build of the Chinese study, shared by its tests --------------------------------


@dataclass(frozen=True)
class ChineseBuild:
    """A cold ``make_figures`` of ``study-prc-laws.toml`` (see ``chinese_build``)."""

    study: Path  # the repository's study-prc-laws.toml (not changed)
    output: Path  # where the figures went
    cache: Path  # the cache the build filled
    manifest: dict


@pytest.fixture(scope="session")
def chinese_build(tmp_path_factory) -> ChineseBuild:
    """The Chinese study built once from an empty cache into a temporary folder.

    What ``corpus-tm figures --check study-prc-laws.toml`` builds (the study's own settings, a
    cache of its own, the output elsewhere, so the manifest is the one the repository
    commits); the tests compare it with ``figures/prc-laws`` and read the study's results
    back from its cache instead of fitting everything a second time.
    """
    import copy
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    import corpus_tm as ctm
    from corpus_tm.study import Study

    root = tmp_path_factory.mktemp("chinese-build")
    study = ctm.load_study(REPO / "study-prc-laws.toml")
    settings = copy.deepcopy(study.settings)
    settings["run"]["cache_dir"] = str(root / "cache")
    with warnings.catch_warnings():
        # small chapters and domains no model resolves: warned, and not what is tested here
        warnings.simplefilter("ignore", ctm.CorpusTmWarning)
        # the sweep's NMF runs from random starts, some of which stop at max_iter
        warnings.simplefilter("ignore", ConvergenceWarning)
        manifest = ctm.make_figures(
            Study(path=study.path, settings=settings), output=root / "figures", progress=False
        )
    return ChineseBuild(
        study=study.path, output=root / "figures", cache=root / "cache", manifest=manifest
    )


@pytest.fixture
def no_progress_delay(monkeypatch):
    """Progress bars appear at once instead of after ``PROGRESS_DELAY`` seconds: for tests of
    what a bar shows, on work that ends within the delay (corpus_tm.reporting)."""
    from corpus_tm import reporting

    monkeypatch.setattr(reporting, "PROGRESS_DELAY", 0.0)
