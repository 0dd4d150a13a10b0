"""Bad input: each case gets a clear answer, from Python and from the command line.

From Python the answer is a specific exception type (``InputError`` for files and tables,
``ConfigError`` for settings) or a warning, with a message that names the file, line or
parameter and says what to do; from the command line it is one line on stderr, exit status 2,
no traceback. Nothing here may surface as an error from inside pandas, gensim or scikit-learn.
"""

from __future__ import annotations

import ast
import os
import random
import re
import shutil
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

import corpus_tm as ctm
from corpus_tm import cli
from corpus_tm.evaluation import sweep
from corpus_tm.study import SCHEMA, load_study

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "corpus_tm"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CHINESE = "总体国家安全观是一个内容丰富、开放包容、不断发展的思想体系。" * 20
PROSE = "The state must guard national security and the safety of the people.\n"


def folder_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir(parents=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def quietly(function, *args, **kwargs):
    """``function(*args, **kwargs)`` and the messages of the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, [str(w.message) for w in caught]


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """``corpus-tm ARGS`` in this process; warnings are shown (as the command shows them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        status = cli.main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status: int, err: str, *needles: str) -> None:
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert status == 2, err
    assert len(errors) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])


# --------------------------------------------------------------------------------------------
# Folders and files


def test_empty_folder(tmp_path, capsys):
    folder = folder_with(tmp_path, {})
    with pytest.raises(ctm.InputError, match=r"no \.txt or \.md files here"):
        ctm.read_corpus(folder)
    assert_one_line_error(*run_cli(capsys, "sections", str(folder))[::2], str(folder))


@pytest.mark.parametrize("content", ["", "  \n\n\t \r\n", "\ufeff\n"])
def test_empty_file(tmp_path, capsys, content):
    folder = folder_with(tmp_path, {"a.txt": PROSE, "empty.txt": content})
    with pytest.raises(ctm.InputError, match=r"empty\.txt: the file is empty\. Remove it"):
        ctm.read_corpus(folder)
    status, _, err = run_cli(capsys, "sections", str(folder))
    assert_one_line_error(status, err, "empty.txt", "is empty")


def test_file_of_headings_only(tmp_path, capsys):
    headings = "# Security\n\n# Development\n\n## Risks\n"
    folder = folder_with(tmp_path, {"headings.md": headings})
    with pytest.raises(ctm.InputError, match=r"headings\.md\) has any text units"):
        ctm.read_corpus(folder)
    status, _, err = run_cli(capsys, "sections", str(folder))
    assert_one_line_error(status, err, "headings.md", "heading, page furniture or blank")

    # Beside a document with text: a warning names it, and its headings are still recorded.
    (folder / "text.txt").write_text(PROSE, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sections = ctm.split_sections(ctm.load_documents(folder))
    messages = " | ".join(str(w.message) for w in caught)
    assert re.search(r"1 of 2 documents \(.*headings\.md\) have any text units", messages)
    assert sections.units["doc_id"].unique().tolist() == ["text"]
    recorded = sections.headings.query("doc_id == 'headings'")
    assert recorded["title"].tolist() == ["Security", "Development", "Risks"]


def test_markdown_headings_outside_the_part_levels_are_recorded(tmp_path):
    text = (
        "# The Strategy\n\n## Security\n\nText one.\n\n### Risks\n\nText two.\n\n"
        "#### Details\n\nText three.\n\n## Prosperity\n\nText four.\n"
    )
    sections = ctm.split_sections(ctm.load_documents(folder_with(tmp_path, {"s.md": text})))
    assert sections.units["text"].tolist() == [
        "Text one.",
        "Text two.",
        "Text three.",
        "Text four.",
    ]
    assert sections.units["label"].tolist() == ["1.0 Intro", "1.1 Risks", "1.1 Risks", "2"]
    table = sections.headings[["line", "level", "title"]]
    assert table.to_dict("list") == {
        "line": [1, 3, 7, 11, 15],
        "level": ["title", "part", "section", "subheading", "part"],
        "title": ["The Strategy", "Security", "Risks", "Details", "Prosperity"],
    }


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG"),
    ],
)
def test_binary_file_named_as_text(tmp_path, capsys, header, kind):
    folder = folder_with(tmp_path, {"a.txt": PROSE, "scan.txt": header + bytes(range(256))})
    with pytest.raises(ctm.InputError, match=rf"scan\.txt: this is {kind}.*not a text file"):
        ctm.read_corpus(folder)
    status, _, err = run_cli(capsys, "sections", str(folder))
    assert_one_line_error(status, err, "scan.txt", kind, "Remove it")


def test_binary_files_dropped_in_the_folder_are_skipped_with_a_warning(tmp_path):
    folder = folder_with(
        tmp_path,
        {
            "a.txt": PROSE,
            "report.pdf": b"%PDF-1.7\n" + bytes(100),
            "photo.png": b"\x89PNG\r\n\x1a\n" + bytes(100),
            ".DS_Store": bytes(10),
        },
    )
    units, messages = quietly(ctm.read_corpus, folder)
    skipped = [m for m in messages if "skipped" in m]
    assert len(skipped) == 1
    assert re.search(
        r"skipped 2 file\(s\) that are not \.txt or \.md .*photo\.png, report\.pdf", skipped[0]
    )
    assert "DS_Store" not in skipped[0]
    assert units["doc_id"].unique().tolist() == ["a"]


def test_binary_file_without_a_known_signature(tmp_path):
    rng = random.Random(0)
    folder = folder_with(tmp_path, {"a.txt": bytes(rng.randrange(256) for _ in range(5000))})
    with pytest.raises(ctm.InputError, match=r"a\.txt: looks like a binary file"):
        ctm.read_corpus(folder)


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-16"),
        lambda t: t.encode("utf-16-le"),
        lambda t: t.encode("utf-16-be"),
        lambda t: t.encode("utf-8-sig"),
    ],
    ids=["utf-16 BOM", "utf-16-le", "utf-16-be", "utf-8 BOM"],
)
def test_unicode_encodings_give_the_same_units(tmp_path, example_units, encode):
    source = CORPUS / "qiushi-2020-08-overall-national-security-concept.txt"
    text = source.read_text(encoding="utf-8")
    folder = folder_with(tmp_path, {"qiushi-2020-08.txt": encode(text)})
    units = ctm.read_corpus(folder)
    expected = example_units.query("doc_id == 'qiushi-2020-08'")
    assert units["text"].tolist() == expected["text"].tolist()
    assert units["label"].tolist() == expected["label"].tolist()


def test_gbk_is_read_with_a_warning_that_names_the_encoding(tmp_path, capsys):
    folder = folder_with(tmp_path, {"zh.txt": CHINESE.encode("gbk")})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        units = ctm.read_corpus(folder)
    messages = [str(w.message) for w in caught]
    assert any(re.search(r"zh\.txt: not UTF-8; decoded as gb18030", m) for m in messages)
    assert units["text"].str.cat() == CHINESE
    # naming the encoding silences the warning about it
    with pytest.warns(UserWarning, match="no part or sub-section headings") as caught:
        ctm.read_corpus(folder, encoding="gbk")
    assert not any("not UTF-8" in str(w.message) for w in caught)
    status, out, err = run_cli(capsys, "sections", str(folder), "--encoding", "gbk")
    assert status == 0, err
    assert "zh" in out
    status, _, err = run_cli(capsys, "sections", str(folder), "--encoding", "utf-8")
    assert_one_line_error(status, err, "zh.txt", "cannot decode with encoding='utf-8'")


def test_bom_and_cr_line_ends(tmp_path):
    text = "\ufeff1、 Security\rThe first part.\r\r2、 Development\rThe second part.\r"
    folder = folder_with(tmp_path, {"cr.txt": text.encode("utf-8")})
    sections = ctm.split_sections(ctm.load_documents(folder))
    units = sections.units
    assert units["text"].tolist() == ["The first part.", "The second part."]
    assert units["label"].tolist() == ["1", "2"]
    assert units["line"].tolist() == [2, 5]
    assert sections.headings["title"].tolist() == ["Security", "Development"]
    crlf = folder_with(tmp_path / "b", {"crlf.txt": text.replace("\r", "\r\n").encode("utf-16")})
    assert ctm.read_corpus(crlf)[["text", "line"]].equals(units[["text", "line"]])


@pytest.mark.slow
def test_fifty_megabyte_single_line_file(tmp_path):
    sentence = "The people's security is the purpose of national security work. "
    text = sentence * (50_000_000 // len(sentence) + 1)
    folder = folder_with(tmp_path, {"big.txt": text[:50_000_000]})
    started = time.perf_counter()
    with pytest.warns(UserWarning, match=r"no part or sub-section headings; each is one section"):
        units = ctm.read_corpus(folder)
    seconds = time.perf_counter() - started
    assert len(units) == 1
    assert units["text"].iloc[0] == text[:50_000_000].strip()
    assert units["n_tokens"].iloc[0] > 7_000_000
    assert seconds < 120


# --------------------------------------------------------------------------------------------
# metadata.csv and document ids


def test_metadata_with_missing_rows(tmp_path):
    folder = copy_example(tmp_path)
    metadata = pd.read_csv(folder / "metadata.csv", dtype=str)
    metadata.iloc[:1].drop(columns="doc_id").to_csv(folder / "metadata.csv", index=False)
    with pytest.warns(UserWarning, match=r"does not list.*news-2020-04-16-biosecurity"):
        documents = ctm.load_documents(folder)
    assert documents["doc_id"].tolist() == [
        "qiushi-2020-08-overall-national-security-concept",
        "news-2020-04-16-biosecurity-research",
    ]
    assert documents["title"].notna().tolist() == [True, False]


def test_metadata_keyed_on_doc_id_with_missing_rows(tmp_path):
    folder = folder_with(tmp_path, {"a.txt": PROSE, "b.txt": PROSE})
    (folder / "metadata.csv").write_text("doc_id,title\na,Alpha\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"metadata\.csv: documents .* does not list .*: b\."):
        documents = ctm.load_documents(folder)
    assert documents["title"].fillna("").tolist() == ["Alpha", ""]


def test_metadata_with_extra_rows(tmp_path, capsys):
    folder = copy_example(tmp_path)
    with (folder / "metadata.csv").open("a", encoding="utf-8") as fh:
        fh.write("ghost,ghost.txt,Ghost,,,,,,\n")
    with pytest.raises(ctm.InputError, match=r"metadata\.csv: names files that are not in .*ghost"):
        ctm.load_documents(folder)
    status, _, err = run_cli(capsys, "sections", str(folder))
    assert_one_line_error(status, err, "metadata.csv", "ghost.txt")


def test_metadata_with_duplicate_rows(tmp_path):
    folder = folder_with(tmp_path, {"a.txt": PROSE, "b.txt": PROSE})
    (folder / "metadata.csv").write_text("file,title\na.txt,A\nb.txt,B\na.txt,A\n", "utf-8")
    with pytest.raises(ctm.InputError, match=r"file values appear more than once: a\.txt"):
        ctm.load_documents(folder)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,author\nA,B\n", r"needs a 'file' column .* or a 'doc_id' column"),
        ("file,title\na.txt,A,extra\nb.txt,B\n", r"header has 2 columns but line 2 has 3"),
        ("", r"metadata\.csv: the file is empty"),
        ("file,text\na.txt,x\n", r"'text' and 'source' are reserved"),
        ("file,title\na.txt,A\n,B\n", r"empty file on line\(s\) 3"),
    ],
    ids=["missing columns", "ragged row", "empty", "reserved column", "empty key"],
)
def test_metadata_that_cannot_be_used(tmp_path, content, message):
    folder = folder_with(tmp_path, {"a.txt": PROSE, "b.txt": PROSE})
    (folder / "metadata.csv").write_text(content, encoding="utf-8")
    with pytest.raises(ctm.InputError, match=message):
        ctm.load_documents(folder)


def test_metadata_not_utf8(tmp_path):
    folder = folder_with(tmp_path, {"a.txt": PROSE})
    (folder / "metadata.csv").write_bytes("file,title\na.txt,Sécurité\n".encode("latin-1"))
    with pytest.raises(ctm.InputError, match=r"metadata\.csv: cannot be read as CSV.*UTF-8"):
        ctm.load_documents(folder)


def test_metadata_values_are_kept_as_text_whatever_they_look_like(tmp_path):
    folder = folder_with(tmp_path, {"a.txt": PROSE, "b.txt": PROSE})
    (folder / "metadata.csv").write_text(
        "file,doc_id,published,year,score\na.txt,007,2020-04-17,2020,1.5\n"
        "b.txt,008,last spring,unknown,NA\n",
        encoding="utf-8",
    )
    documents = ctm.load_documents(folder)
    assert documents["doc_id"].tolist() == ["007", "008"]
    assert documents["published"].tolist() == ["2020-04-17", "last spring"]
    assert documents["year"].tolist() == ["2020", "unknown"]
    assert documents["score"].tolist() == ["1.5", "NA"]


def test_metadata_with_an_empty_doc_id_falls_back_to_the_file_name(tmp_path):
    folder = folder_with(tmp_path, {"a.txt": PROSE, "b.txt": PROSE})
    (folder / "metadata.csv").write_text("file,doc_id\na.txt,first\nb.txt,\n", "utf-8")
    assert ctm.load_documents(folder)["doc_id"].tolist() == ["first", "b"]


def test_duplicate_doc_ids_name_the_files(tmp_path, capsys):
    folder = folder_with(tmp_path, {"a.txt": PROSE, "a.md": PROSE})
    with pytest.raises(ctm.InputError, match=r"duplicate doc_id values: a \(.*a\.md, .*a\.txt\)"):
        ctm.load_documents(folder)
    status, _, err = run_cli(capsys, "sections", str(folder))
    assert_one_line_error(status, err, "duplicate doc_id", "a.md")
    table = tmp_path / "docs.csv"
    pd.DataFrame({"doc_id": ["x", "y", "x"], "text": [PROSE] * 3}).to_csv(table, index=False)
    with pytest.raises(ctm.InputError, match=r"duplicate doc_id values: x \(.*docs\.csv#1, .*#3\)"):
        ctm.load_documents(table)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("doc_id,text\na,x,y\n", "utf-8"), r"line 2 has 3"),
        (lambda p: p.write_text("doc_id,text\n", "utf-8"), r"the table has no rows"),
        (lambda p: p.write_text("doc_id,text\na,\n", "utf-8"), r"empty text in row\(s\) 1"),
    ],
    ids=["ragged", "no rows", "empty text"],
)
def test_bad_table_files(tmp_path, make, message):
    path = tmp_path / "docs.csv"
    make(path)
    with pytest.raises(ctm.InputError, match=rf"docs\.csv: .*{message}"):
        ctm.load_documents(path)


def test_table_with_text_of_another_type(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"doc_id": "a", "text": "Words."}\n{"doc_id": "b", "text": 3}\n', "utf-8")
    with pytest.raises(ctm.InputError, match=r"docs\.jsonl: column 'text' is not text in row"):
        ctm.load_documents(path)


def test_document_without_headings_is_one_section_with_a_warning(tmp_path):
    folder = folder_with(tmp_path, {"plain.txt": PROSE + "\n" + PROSE.upper()})
    with pytest.warns(UserWarning, match=r"1 of 1 documents have no part or sub-section headings"):
        units = ctm.read_corpus(folder)
    assert units["section_kind"].unique().tolist() == ["body"]
    assert units["label"].unique().tolist() == ["Text"]
    assert len(units) == 2


# --------------------------------------------------------------------------------------------
# Preprocessing and models


def test_everything_removed_by_preprocessing_names_the_settings_to_relax():
    units = pd.DataFrame({"unit_id": ["a", "b"], "text": ["It is what it was.", "2020, 3 000"]})
    with pytest.raises(ctm.InputError, match=r"removed every word.*extra_stopwords.*min_length"):
        ctm.build_corpus(units, cache_dir=False)
    units = pd.DataFrame({"unit_id": ["a", "b"], "text": ["Security matters.", "Risks grow."]})
    with pytest.raises(ctm.InputError, match=r"Relax the settings extra_stopwords"):
        ctm.build_corpus(
            units, cache_dir=False, extra_stopwords=["security", "matter", "risk", "grow"]
        )
    with pytest.raises(ctm.InputError, match=r"no term passes .*no_below=3.*Relax .*no_below"):
        ctm.build_corpus(units, cache_dir=False, no_below=3)


def test_everything_removed_by_preprocessing_from_the_command_line(tmp_path, capsys):
    folder = folder_with(tmp_path, {"a.txt": "It is what it was.\n\nAnd so it is.\n"})
    status, _, err = run_cli(capsys, "topics", str(folder), "--k", "2", "--quiet")
    assert_one_line_error(status, err, "vocabulary is empty", "Relax the settings")


@pytest.fixture(scope="module")
def few_terms():
    """30 units over 4 terms: fewer terms than units."""
    words = ["security", "economy", "culture", "ecology"]
    texts = [f"{words[i % 4]} {words[(i + 1) % 4]} {words[(i * 7) % 4]}" for i in range(30)]
    units = pd.DataFrame({"unit_id": [f"u{i:02d}" for i in range(30)], "text": texts})
    return ctm.build_corpus(units, cache_dir=False, phrase_layers=0)


@pytest.mark.parametrize("fit", [ctm.fit_lda, ctm.fit_nmf], ids=["lda", "nmf"])
@pytest.mark.parametrize(
    ("n_topics", "message"),
    [
        (0, r"n_topics must be between 1 and 4 .*got 0"),
        (-2, r"n_topics must be between 1 and 4 .*got -2"),
        (5, r"n_topics must be between 1 and 4 \(the smaller of the number of units, 30, and of"),
        (31, r"terms, 4\), got 31"),
        (2.0, r"n_topics must be an integer between 1 and 4, got 2\.0"),
        ("3", r"n_topics must be an integer"),
    ],
)
def test_bad_n_topics(few_terms, fit, n_topics, message):
    with pytest.raises(ctm.ConfigError, match=message):
        fit(few_terms, n_topics, random_state=1)


def test_n_topics_larger_than_the_number_of_units(example_units):
    corpus = ctm.build_corpus(example_units.iloc[:5], cache_dir=False, no_below=1)
    assert len(corpus) < len(corpus.dictionary)
    with pytest.raises(ctm.ConfigError, match=r"number of units, 5, .*got 6"):
        ctm.fit_nmf(corpus, 6, random_state=1)
    with pytest.raises(ctm.ConfigError, match=r"between 1 and 5 .*got 8"):
        sweep(corpus, method="nmf", n_topics=[2, 8], seeds=[1])


# --------------------------------------------------------------------------------------------
# Lexicons


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('[domains.cyber]\nterms = ["cyberspace"]\nweight = 2\n', ["'weight'", "'cyber'", "terms"]),
        ('[domain.cyber]\nterms = ["cyberspace"]\n', ["unknown top-level key 'domain'"]),
        ('[lexicon]\nauthor = "me"\n[domains.cyber]\nterms = ["x"]\n', ["'author'", "[lexicon]"]),
        ("[domains.cyber]\nterms = []\n", ["'cyber' has no terms", "non-empty 'terms' list"]),
        ("[domains.cyber]\n", ["'cyber' has no terms"]),
        (
            '[domains.cyber]\nterms = ["network security"]\n'
            '[domains.data]\nterms = ["Network  Security"]\n',
            ["'Network Security' in two domains, 'cyber' and 'data'", "one domain only"],
        ),
        (
            '[domains.cyber]\nterms = ["cyber risks"]\n[domains.data]\nterms = ["cyber risk"]\n',
            ["the same after lemmatising", "'cyber' and 'data'"],
        ),
        ('[domains.cyber]\nterms = "cyberspace"\n', ["'terms' must be a list of strings"]),
        ('[domains.Cyber]\nterms = ["x"]\n', ["domain id 'Cyber'", "lower-case"]),
        ("[domains.cyber\n", ["not valid TOML"]),
    ],
    ids=[
        "unknown domain key",
        "unknown top key",
        "unknown meta key",
        "empty domain",
        "domain without terms",
        "term in two domains",
        "lemma in two domains",
        "terms not a list",
        "bad domain id",
        "not toml",
    ],
)
def test_bad_lexicons(tmp_path, text, needles):
    path = tmp_path / "lexicon.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ctm.ConfigError) as caught:
        ctm.load_lexicon(path)
    message = str(caught.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message, message


def test_bad_lexicon_named_by_a_study_gives_one_line(tmp_path, capsys):
    (tmp_path / "lexicon.toml").write_text("[domains.cyber]\nterms = []\n", encoding="utf-8")
    study = write_study(tmp_path, '[domains]\nlexicon = "lexicon.toml"\n')
    status, _, err = run_cli(capsys, "figures", str(study), "--quiet")
    assert_one_line_error(status, err, "lexicon.toml", "'cyber' has no terms")


# --------------------------------------------------------------------------------------------
# Study files


def write_study(folder: Path, extra: str = "") -> Path:
    path = folder / "study.toml"
    path.write_text(f'[corpus]\npath = "{CORPUS.as_posix()}"\n{extra}', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[model]\nn_topics = 3\n", r"unknown section \[model\]; known sections: study, corpus"),
        ("[models]\nn_topic = 3\n", r"unknown key models\.n_topic; known keys in \[models\]"),
        ("[models]\nn_topics = 'eight'\n", r"models\.n_topics must be an integer >= 1, or"),
        ("[models]\nn_topics = 8.0\n", r"models\.n_topics must be int or str, not float"),
        ("[models]\nn_topics = 0\n", r"models\.n_topics must be an integer >= 1, or .*not 0"),
        ("[models]\nn_topics = -4\n", r"models\.n_topics must be an integer >= 1, or .*not -4"),
        ("[models]\nkeyatm_iterations = 5\n", r"models\.keyatm_iterations must be an integer"),
        ("[domains]\nattribution = 'fuzzy'\n", r"domains\.attribution must be 'soft' or"),
        ("[models]\nrandom_state = -1\n", r"models\.random_state must be an integer from 0"),
        ("[models]\nrandom_state = 4294967296\n", r"models\.random_state must be an integer"),
        ("[sweep]\nn_topics = [3, 0]\n", r"sweep\.n_topics must be a non-empty list of integers"),
        ("[sweep]\nn_topics = []\n", r"sweep\.n_topics must be a non-empty list"),
        ("[sweep]\nseeds = [1, '2']\n", r"sweep\.seeds must be a non-empty list of integers"),
        # 'spark_lda' too when pyspark is installed (tests/test_spark.py)
        ("[sweep]\nmethod = 'lsa'\n", r"sweep\.method must be 'lda' or 'nmf'( or 'spark_lda')?,"),
        ("unit = 'chapter'\n", r"corpus\.unit must be 'paragraph', 'section', 'sentences' or"),
        ("window = 0\n", r"corpus\.window must be an integer >= 1"),
        ("encoding = 'klingon'\n", r"corpus\.encoding 'klingon' is not an encoding"),
        ("[aggregation]\nci = 95\n", r"aggregation\.ci must be a number between 0 and 1"),
        ("[aggregation]\nci = 'high'\n", r"aggregation\.ci must be float, not str"),
        ("[aggregation]\nn_boot = 0\n", r"aggregation\.n_boot must be an integer >= 1"),
        ("[figures]\nformats = 'png'\n", r"figures\.formats must be list, not str"),
        ("[figures]\nformats = ['jpg']\n", r"figures\.formats must be a non-empty list of 'png'"),
        ("[figures]\ndpi = 0\n", r"figures\.dpi must be an integer from 10 to 600"),
        ("[figures]\nmethod = 'lsa'\n", r"figures\.method must be 'keyatm' or"),
        ("[figures]\nmake = ['pie_chart']\n", r"figures\.make names unknown figures 'pie_chart'"),
        ("[run]\nn_jobs = 0\n", r"run\.n_jobs must be a number of processes >= 1, or -1"),
        ("[run]\ncache_dir = false\n", r"run\.cache_dir must be str, not bool"),
        ("[preprocessing]\nno_below = -1\n", r"preprocessing\.no_below must be None \(adaptive\)"),
        ("[preprocessing]\nno_above = 0.0\n", r"preprocessing\.no_above must be a fraction"),
        ("[preprocessing]\nextra_stopwords = [1]\n", r"preprocessing\.extra_stopwords must"),
        ("[preprocessing]\nstopwords = 'french'\n", r"preprocessing\.stopwords must be 'english'"),
        ("[preprocessing]\nphrases = false\n", r"unknown key preprocessing\.phrases"),
        ("[domains]\nmin_score = -1.0\n", r"domains\.min_score must be a number >= 0"),
        ("[domains]\noverrides = { lda = { 1 = 'cyber' } }\n", r"domains\.overrides\.lda is not"),
        (
            "[domains.overrides.nmf_mapped]\nfirst = 'cyber'\n",
            r"domains\.overrides\.nmf_mapped must map topic numbers to domain ids",
        ),
        ("study = 'x'\n", r"\[study\] must be a table of settings"),
        ("path = 3\n", r"corpus\.path must be str, not int"),
    ],
)
def test_bad_study_files_name_the_key_and_the_expected_value(tmp_path, capsys, extra, message):
    path = tmp_path / "study.toml"
    if extra.startswith("study ="):  # a top-level key comes before the tables
        path.write_text(extra + write_study(tmp_path).read_text("utf-8"), encoding="utf-8")
    elif extra.startswith("path ="):
        path.write_text(f"[corpus]\n{extra}", encoding="utf-8")
    else:  # lines without a table header belong to [corpus]
        write_study(tmp_path, extra)
    with pytest.raises(ctm.ConfigError, match=message) as caught:
        load_study(path)
    assert str(path) in str(caught.value)
    status, _, err = run_cli(capsys, "figures", str(path), "--quiet")
    assert_one_line_error(status, err, str(path))


def test_study_accepts_every_preprocessing_setting(tmp_path):
    extra = (
        "[preprocessing]\nstopwords = 'english'\nphrase_layers = 1\nphrase_min_count = 3\n"
        "phrase_threshold = 0.4\ndrop_numbers = false\nsplit_hyphens = true\nno_below = 0.01\n"
    )
    settings = load_study(write_study(tmp_path, extra))["preprocessing"]
    given = {k: v for k, v in settings.items() if v is not None}
    assert ctm.PreprocessSettings(**given).phrase_layers == 1
    from corpus_tm.preprocessing import PreprocessSettings

    fields = set(PreprocessSettings.__dataclass_fields__)
    assert set(SCHEMA["preprocessing"]) <= fields


def test_study_paths_are_relative_to_the_study_file(tmp_path, monkeypatch):
    folder = tmp_path / "project" / "studies"
    folder.mkdir(parents=True)
    (tmp_path / "project" / "lexicon.toml").write_text(
        '[domains.cyber]\nterms = ["cyberspace"]\n', encoding="utf-8"
    )
    path = folder / "study.toml"
    path.write_text(
        '[corpus]\npath = "../texts"\n[domains]\nlexicon = "../lexicon.toml"\n'
        '[figures]\noutput = "out"\n[run]\ncache_dir = "../cache"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    study = load_study(Path("project") / "studies" / "study.toml")
    project = (tmp_path / "project").resolve()
    assert study.corpus_path == project / "texts"
    assert study.output_dir == project / "studies" / "out"
    assert study.cache_dir == project / "cache"
    assert Path(study["domains"]["lexicon"]) == project / "lexicon.toml"
    assert ctm.load_lexicon(study["domains"]["lexicon"]).domain_ids == ["cyber"]


def test_more_topics_than_units_named_by_a_study(tmp_path, capsys):
    study = write_study(tmp_path, "[models]\nn_topics = 500\n")
    status, _, err = run_cli(capsys, "figures", str(study), "--quiet")
    assert_one_line_error(status, err, "n_topics must be between 1 and 42", "got 500")


def test_missing_corpus_named_by_a_study(tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text('[corpus]\npath = "nowhere"\n', encoding="utf-8")
    status, _, err = run_cli(capsys, "figures", str(study), "--quiet")
    assert_one_line_error(status, err, str(tmp_path / "nowhere"), "no such file or folder")
    assert "relative to the current folder" not in err  # it is resolved against the study


# --------------------------------------------------------------------------------------------
# The figures folder


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_figures_folder_that_cannot_be_written(tmp_path, capsys, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder", encoding="utf-8")
    output = blocker if where == "a file" else blocker / "figures"
    study = write_study(tmp_path)
    with pytest.raises(ctm.InputError, match=r"cannot create the figures folder"):
        ctm.make_figures(study, output=output, progress=False)
    status, _, err = run_cli(capsys, "figures", str(study), "--output", str(output), "--quiet")
    assert_one_line_error(status, err, str(output), "cannot create the figures folder")
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_cli_warnings_are_one_line_each(tmp_path, capsys):
    folder = folder_with(tmp_path, {"zh.txt": CHINESE.encode("gbk"), "scan.pdf": b"%PDF-1.4"})
    status, out, err = run_cli(capsys, "sections", str(folder))
    assert status == 0
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert all(line.startswith("corpus-tm sections: CorpusTmWarning: ") for line in lines), err
    assert "zh" in out


# --------------------------------------------------------------------------------------------
# Security: nothing is unpickled or evaluated


FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "shelve", "marshal"}
FORBIDDEN_MODULES |= {"torch", "yaml", "joblib"}
FORBIDDEN_CALLS = {
    "eval",
    "exec",
    "read_pickle",
    "to_pickle",
    "loads",  # pickle.loads, marshal.loads ... (json.loads and tomllib.loads are allowed below)
    "load",
    "save",
    "dump",
}
SAFE_RECEIVERS = {"json", "tomllib", "np", "numpy"}
# joblib is allowed for one thing: evaluation.sweep and the LDA E-step (parallel.worker_pool)
# run in worker processes and joblib moves the arguments and results between processes in
# memory. That is inter-process transport, not pickle files on disk; no file is ever read back
# with it.
ALLOWED_IMPORTS = {("evaluation.py", "joblib"), ("parallel.py", "joblib")}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def scan_for_unsafe_loading(sources: list[Path]) -> list[str]:
    """Imports of pickle-like modules, pickle/eval calls, and np.load without allow_pickle."""
    problems = []
    for source in sources:
        text = source.read_text(encoding="utf-8")
        if re.search(r"allow_pickle\s*=\s*True", text):
            problems.append(f"{source.name}: allow_pickle=True")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names.append(node.module)
                for name in names:
                    top = name.split(".")[0]
                    if top in FORBIDDEN_MODULES and (source.name, top) not in ALLOWED_IMPORTS:
                        problems.append(f"{source.name}:{node.lineno}: imports {name}")
            elif isinstance(node, ast.Call):
                called = _name(node.func)
                receiver = _name(node.func.value) if isinstance(node.func, ast.Attribute) else ""
                if called in FORBIDDEN_CALLS and receiver not in SAFE_RECEIVERS:
                    problems.append(f"{source.name}:{node.lineno}: calls {receiver}.{called}")
                if receiver in ("np", "numpy") and called == "load":
                    value = {k.arg: k.value for k in node.keywords}.get("allow_pickle")
                    if not (isinstance(value, ast.Constant) and value.value is False):
                        problems.append(
                            f"{source.name}:{node.lineno}: np.load without allow_pickle=False"
                        )
    return problems


def test_no_pickle_or_eval_anywhere_in_the_package():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 10
    assert scan_for_unsafe_loading(sources) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import pickle", "imports pickle"),
        ("from joblib import dump", "imports joblib"),
        ("import torch\ntorch.load('m.pt')", "calls torch.load"),
        ("model.save('lda.gensim')", "calls model.save"),
        ("Dictionary.load('d')", "calls Dictionary.load"),
        ("np.load('x.npz')", "np.load without allow_pickle=False"),
        ("np.load('x.npz', allow_pickle=True)", "allow_pickle=True"),
        ("eval('1')", "calls .eval"),
        ("df.to_pickle('x')", "calls df.to_pickle"),
        ("pd.read_pickle('x')", "calls pd.read_pickle"),
    ],
)
def test_the_security_scan_finds_what_it_looks_for(tmp_path, code, expected):
    sample = tmp_path / "sample.py"
    sample.write_text(code, encoding="utf-8")
    problems = scan_for_unsafe_loading([sample])
    assert any(expected in problem for problem in problems), problems


def test_study_and_lexicon_files_are_parsed_with_tomllib():
    for module in ("study.py", "lexicon.py"):
        tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert "tomllib" in imported, module


# --------------------------------------------------------------------------------------------
# The cache after a crash


def test_stale_temporary_cache_folders_are_removed_by_the_next_store(tmp_path):
    from corpus_tm.cache import STALE_SECONDS, load_entry, store_entry

    kind = tmp_path / "corpus"
    kind.mkdir()
    stale, fresh = kind / ".0123456789abcdef-old.tmp", kind / ".0123456789abcdef-new.tmp"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "units.parquet").write_bytes(b"half written")
    then = time.time() - STALE_SECONDS - 60
    os.utime(stale, (then, then))
    key = "f" * 64
    store_entry(tmp_path, "corpus", key, lambda f: (f / "a.json").write_text("{}", "utf-8"))
    assert not stale.exists()
    assert fresh.exists()  # perhaps another run writing right now
    assert load_entry(tmp_path, "corpus", key) == kind / key
    assert ctm.clear_cache(tmp_path) == 1
    assert list(kind.iterdir()) == []
