"""Shared fixtures: paths to the example corpus and the larger real corpora beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same examples every run (a failure there is reproducible); locally Hypothesis
# keeps drawing new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXAMPLE_CORPUS = SHARED / "corpus"
NSS_CORPUS = SHARED / "corpora" / "us-national-security-strategy" / "texts"
UN_CORPUS = SHARED / "corpora" / "un-general-debate-2020-2024" / "texts"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: the tests need ../shared beside the repository.")
    return path


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


_SMALL_STUDY = """
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
        path.write_text(corpus + _SMALL_STUDY + extra, encoding="utf-8")
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
