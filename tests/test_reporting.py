"""Progress bars appear only on work that takes seconds; a run shows each warning once."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import warnings

import pytest

import corpus_tm as ctm
from corpus_tm import reporting
from corpus_tm.reporting import progress_bar, warnings_once


def test_a_bar_of_quick_work_prints_nothing():
    out = io.StringIO()
    for _ in progress_bar(range(1000), desc="quick", file=out):
        pass
    with progress_bar(total=10, desc="quick", file=out) as bar:
        bar.update(10)
    assert out.getvalue() == ""


def test_a_bar_of_slow_work_appears_after_the_delay():
    out = io.StringIO()
    for _ in progress_bar(range(4), desc="slow", file=out, delay=0.05):
        time.sleep(0.05)
    assert "slow" in out.getvalue()
    assert "4/4" in out.getvalue()


def test_a_bar_that_is_not_shown_prints_nothing_however_long():
    out = io.StringIO()
    for _ in progress_bar(range(3), desc="hidden", file=out, delay=0.0, show=False):
        time.sleep(0.01)
    assert out.getvalue() == ""


def test_sectioning_the_example_with_progress_on_flashes_no_bar(
    example_corpus_path, capsys, monkeypatch
):
    """Sectioning the example takes well under a second: progress=True shows no bar; the
    same call with no delay does, so it is the delay that keeps it quiet."""
    documents = ctm.load_documents(example_corpus_path)
    ctm.split_sections(documents, progress=True)
    assert "sections" not in capsys.readouterr().err
    monkeypatch.setattr(reporting, "PROGRESS_DELAY", 0.0)
    ctm.split_sections(documents, progress=True)
    assert "sections" in capsys.readouterr().err


def _warn_three_times(text: str) -> None:
    warnings.warn(text, ctm.CorpusTmWarning, stacklevel=1)
    warnings.warn(text, ctm.CorpusTmWarning, stacklevel=1)  # another line, same text
    for _ in range(2):
        warnings.warn(text, ctm.CorpusTmWarning, stacklevel=1)


def test_each_distinct_warning_is_shown_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # Python's own rule would show every one of them
        with warnings_once():
            _warn_three_times("the same thing")
            _warn_three_times("another thing")
            warnings.warn("the same thing", ctm.SmallSampleWarning, stacklevel=1)
    shown = [(w.category, str(w.message)) for w in caught]
    assert shown == [
        (ctm.CorpusTmWarning, "the same thing"),
        (ctm.CorpusTmWarning, "another thing"),
        (ctm.SmallSampleWarning, "the same thing"),  # another category: shown
    ]


def test_warnings_made_errors_are_raised_every_time():
    with warnings_once(), warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            with pytest.raises(ctm.CorpusTmWarning):
                warnings.warn("the same thing", ctm.CorpusTmWarning, stacklevel=1)


def test_a_new_block_shows_them_again_and_the_hook_is_restored():
    before = warnings.showwarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with warnings_once():
            _warn_three_times("the same thing")
        with warnings_once():
            _warn_three_times("the same thing")
    assert len(caught) == 2
    assert warnings.showwarning is before


def test_the_figures_command_prints_a_repeated_warning_once(reference_build, tmp_path):
    """A warning raised again in a later step of a run is one line of the command's output.

    A warm run of the repository's study (on the session's reference build's cache) in which
    every call of ``Lexicon.to_frame`` (a run makes several) warns after resetting the
    warnings filters, as a ``catch_warnings`` block or ``simplefilter`` call in a step does:
    that makes Python forget what it has shown, so without ``warnings_once`` each call
    printed a line.
    """
    code = f"""
import sys, warnings
import corpus_tm as ctm
from corpus_tm import cli, lexicon

original = lexicon.Lexicon.to_frame
calls = []

def to_frame(self):
    calls.append(1)
    warnings.resetwarnings()
    warnings.warn("seed terms checked", ctm.CorpusTmWarning, stacklevel=2)
    return original(self)

lexicon.Lexicon.to_frame = to_frame
status = cli.main(["figures", "study.toml", "--quiet", "--output", {str(tmp_path)!r}])
print(len(calls))
sys.exit(status)
"""
    process = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=reference_build.study.parent,
        env={**os.environ, "MPLBACKEND": "Agg"},
        check=False,
        timeout=600,
    )
    assert process.returncode == 0, process.stderr
    assert int(process.stdout.splitlines()[-1]) >= 2  # the warning was raised several times
    lines = [line for line in process.stderr.splitlines() if "seed terms checked" in line]
    assert lines == ["corpus-tm figures: CorpusTmWarning: seed terms checked"], process.stderr


def test_shorten_label_cuts_at_a_word_and_keeps_one_ellipsis():
    from corpus_tm.reporting import shorten_label

    title = "Putting the overall national security concept into all aspects"
    assert shorten_label(title, 30) == "Putting the overall national…"
    assert len(shorten_label(title, 30)) <= 30
    assert shorten_label("Summary of the work done", 20) == "Summary of the work…"
    assert shorten_label("  many\n  spaces  here ") == "many spaces here"
    # no space in the second half of the cut: cut inside the word
    assert shorten_label("a" + "b" * 50, 10) == "a" + "b" * 8 + "\u2026"
    # text that came cut keeps one ellipsis, "..." becomes "…"
    assert shorten_label("Already cut...", 40) == "Already cut\u2026"
    assert shorten_label("Already cut\u2026", 12) == "Already cut\u2026"
    assert shorten_label("exactly twelve", 14) == "exactly twelve"
