"""Every size parameter has an upper bound with a clear error (issue 13: ``n_boot =
100000000`` ran out of memory with a raw traceback).

Each size setting of a study file (corpus_tm.study.SIZE_SETTINGS) is refused one above its
limit, with the limit, why and what to do, and accepted at the limit; the public functions'
size parameters are refused the same way before any work.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import corpus_tm as ctm
from corpus_tm.errors import ConfigError
from corpus_tm.limits import LIMITS, check_size
from corpus_tm.study import SIZE_SETTINGS, _schema


def _settings() -> list[tuple[str, str]]:
    schema = _schema()
    return [(section, key) for section, key in SIZE_SETTINGS if key in schema[section]]


def _study(tmp_path, example_corpus_path, section: str, key: str, value: object):
    if isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {v}" for k, v in value.items()) + " }"
    else:
        text = "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else repr(value)
    path = tmp_path / "study.toml"
    body = f'[corpus]\npath = "{example_corpus_path.as_posix()}"\n'
    if section == "corpus":
        body += f"{key} = {text}\n"
    else:
        body += f"[{section}]\n{key} = {text}\n"
    path.write_text(body, encoding="utf-8")
    return path


def _value(section: str, key: str, number: int) -> object:
    if (section, key) == ("sweep", "n_topics"):
        return [3, number]
    if (section, key) == ("models", "n_fits"):
        return {"lda": number}
    return number


@pytest.mark.parametrize(("section", "key"), _settings())
def test_each_size_setting_is_bounded_with_a_clear_error(
    tmp_path, example_corpus_path, section, key
):
    limit = LIMITS[SIZE_SETTINGS[(section, key)][0]]
    path = _study(tmp_path, example_corpus_path, section, key, _value(section, key, limit.high + 1))
    with pytest.raises(ConfigError) as error:
        ctm.load_study(path)
    message = str(error.value)
    assert str(path) in message
    assert f"{section}.{key}" in message
    assert f"at most {limit.high:,}" in message
    assert "because" in message
    path = _study(tmp_path, example_corpus_path, section, key, _value(section, key, limit.high))
    study = ctm.load_study(path)  # the limit itself is accepted
    assert study.settings[section][key] == _value(section, key, limit.high)


def test_n_boot_of_a_hundred_million_is_refused_at_once(tmp_path, example_corpus_path):
    path = _study(tmp_path, example_corpus_path, "aggregation", "n_boot", 100_000_000)
    too_large = re.escape("aggregation.n_boot = 100,000,000 is too large")
    with pytest.raises(ConfigError, match=too_large):
        ctm.load_study(path)
    # the command says it in one line, without a traceback
    done = subprocess.run(
        [sys.executable, "-m", "corpus_tm", "figures", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "at most 100,000" in done.stderr


def test_a_sweep_of_too_many_fits_is_refused(tmp_path, example_corpus_path):
    path = tmp_path / "study.toml"
    ks = ", ".join(str(k) for k in range(2, 102))
    seeds = ", ".join(str(s) for s in range(6))
    path.write_text(
        f'[corpus]\npath = "{example_corpus_path.as_posix()}"\n'
        f"[sweep]\nn_topics = [{ks}]\nseeds = [{seeds}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"100 x 6 = 600 fits is too many: at most 500"):
        ctm.load_study(path)


def test_dpi_above_600_is_refused(tmp_path, example_corpus_path):
    path = _study(tmp_path, example_corpus_path, "figures", "dpi", 2400)
    with pytest.raises(ConfigError, match="RGBA"):
        ctm.load_study(path)


@pytest.fixture(scope="module")
def tiny_corpus():
    from corpus_tm.synthetic import make_lda_corpus

    return make_lda_corpus(n_topics=3, n_terms=60, n_docs=40, doc_length=30, random_state=1)


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda c: ctm.fit_nmf(c, 5000, random_state=1), "n_topics = 5,000 is too large"),
        (lambda c: ctm.fit_nmf(c, 3, max_iter=10**9, random_state=1), "max_iter = 1,000,000,000"),
        (lambda c: ctm.fit_lda(c, 3, iterations=10**7, random_state=1), "iterations = 10,000,000"),
        (lambda c: ctm.fit_lda(c, 3, passes=10**6, random_state=1), "passes = 1,000,000"),
    ],
)
def test_model_size_parameters_are_bounded(tiny_corpus, call, says):
    with pytest.raises(ConfigError, match=re.escape(says)):
        call(tiny_corpus.corpus)


def test_aggregation_size_parameters_are_bounded(example_units):
    shares = ctm.dictionary_shares(example_units)
    with pytest.raises(ConfigError, match=re.escape("n_boot = 100,000,000 is too large")):
        ctm.section_shares(shares, n_boot=100_000_000)
    doc = example_units["doc_id"].iloc[0]
    with pytest.raises(ConfigError, match=re.escape("n_perm = 10,000,000 is too large")):
        ctm.compare_sections(shares, f"{doc}/1", f"{doc}/2", n_perm=10_000_000)
    with pytest.raises(ConfigError, match=re.escape("n_perm = 10,000,000 is too large")):
        ctm.compare_profiles(shares, f"{doc}/1", f"{doc}/2", n_perm=10_000_000)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10", None])
def test_check_size_refuses_what_is_not_a_size(value):
    with pytest.raises(ConfigError, match="n_boot must be an integer from 1 to 100,000"):
        check_size("n_boot", value)


def test_every_limit_says_why_and_what_to_do():
    for name, limit in LIMITS.items():
        assert limit.high >= 2, name
        assert len(limit.why) > 20, name
        assert len(limit.instead) > 5, name
