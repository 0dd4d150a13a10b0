"""Loading: folders, tables, metadata, encodings and normalisation, on real and generated files."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

import corpus_tm as ctm
from corpus_tm.loading import decode_bytes

CHINESE = "总体国家安全观是一个内容丰富、开放包容、不断发展的思想体系。" * 20


def test_normalize_text_line_ends_spaces_quotes_fullwidth():
    raw = (
        "A\r\nB\rC\u00a0D  E\t\u201cq\u201d \u2018s\u2019 \uff11\uff12\uff0c\uff21 1\u3001 x\u200by"
    )
    assert ctm.normalize_text(raw) == "A\nB\nC D E \"q\" 's' 12,A 1\u3001 xy"


def test_normalize_text_is_idempotent_on_the_example(example_corpus_path):
    for path in sorted(example_corpus_path.glob("*.txt")):
        once = ctm.normalize_text(path.read_text(encoding="utf-8-sig"))
        assert ctm.normalize_text(once) == once
        assert "\u201c" not in once
        assert "\u2019" not in once
        assert "\r" not in once


def test_folder_joins_metadata_and_skips_readme(example_corpus_path):
    documents = ctm.load_documents(example_corpus_path)
    metadata = pd.read_csv(example_corpus_path / "metadata.csv")
    assert documents["doc_id"].tolist() == metadata["doc_id"].tolist()
    assert documents["title"].tolist() == metadata["title"].tolist()
    assert {"author", "published", "kind"} <= set(documents.columns)
    assert not documents["source"].str.contains("README").any()


@pytest.mark.parametrize(
    ("codec", "data_of"),
    [
        ("utf-8-sig", lambda t: t.encode("utf-8-sig")),
        ("utf-16 with BOM", lambda t: t.encode("utf-16")),
        ("utf-16-le without BOM", lambda t: t.encode("utf-16-le")),
        ("utf-16-be without BOM", lambda t: t.encode("utf-16-be")),
    ],
)
def test_unicode_encodings_are_detected(codec, data_of):
    text = "Security \u2014 \u5b89\u5168 \u00e9t\u00e9.\n" * 30
    assert decode_bytes(data_of(text), source=codec) == text


def test_gbk_is_detected_with_a_warning_and_accepted_when_named():
    data = CHINESE.encode("gbk")
    with pytest.warns(UserWarning, match="encoding="):
        assert decode_bytes(data, source="x.txt") == CHINESE
    assert decode_bytes(data, source="x.txt", encoding="gbk") == CHINESE


def test_undecodable_bytes_name_the_file_and_the_parameter():
    data = bytes(range(128, 256)) * 3
    with pytest.raises(ctm.InputError, match=r"x\.txt.*encoding="):
        decode_bytes(data, source="x.txt")


@pytest.mark.parametrize(
    ("header", "kind"), [(b"%PDF-1.7\n", "PDF"), (b"\x89PNG\r\n\x1a\n", "PNG")]
)
def test_binary_file_in_folder_is_named(tmp_path, header, kind):
    (tmp_path / "a.txt").write_text("Some text.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(header + bytes(200))
    with pytest.raises(ctm.InputError, match=rf"b\.txt.*{kind}"):
        ctm.load_documents(tmp_path)


def test_empty_folder_and_empty_file(tmp_path):
    with pytest.raises(ctm.InputError, match=r"no \.txt or \.md files"):
        ctm.load_documents(tmp_path)
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(ctm.InputError, match=r"empty\.txt.*empty"):
        ctm.load_documents(tmp_path)


def test_missing_path_is_named(tmp_path):
    with pytest.raises(ctm.InputError, match="no such file or folder"):
        ctm.load_documents(tmp_path / "nowhere")


def _copy_example(example_corpus_path, tmp_path):
    for path in example_corpus_path.iterdir():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_metadata_naming_a_missing_file(example_corpus_path, tmp_path):
    folder = _copy_example(example_corpus_path, tmp_path)
    (folder / "news-2020-04-16-biosecurity-research.txt").unlink()
    with pytest.raises(ctm.InputError, match=r"metadata\.csv.*news-2020-04-16"):
        ctm.load_documents(folder)


def test_duplicate_doc_id_in_metadata(example_corpus_path, tmp_path):
    folder = _copy_example(example_corpus_path, tmp_path)
    metadata = pd.read_csv(folder / "metadata.csv")
    metadata["doc_id"] = "same"
    metadata.to_csv(folder / "metadata.csv", index=False)
    with pytest.raises(ctm.InputError, match=r"duplicate doc_id.*same"):
        ctm.load_documents(folder)


def test_duplicate_rows_in_metadata(example_corpus_path, tmp_path):
    folder = _copy_example(example_corpus_path, tmp_path)
    metadata = pd.read_csv(folder / "metadata.csv")
    pd.concat([metadata, metadata.iloc[:1]]).to_csv(folder / "metadata.csv", index=False)
    with pytest.raises(ctm.InputError, match="more than once"):
        ctm.load_documents(folder)


def test_unlisted_file_is_loaded_with_a_warning(example_corpus_path, tmp_path):
    folder = _copy_example(example_corpus_path, tmp_path)
    (folder / "extra.txt").write_text("An extra document.\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="extra.txt"):
        documents = ctm.load_documents(folder)
    assert documents["doc_id"].tolist()[-1] == "extra"
    assert pd.isna(documents["title"].iloc[-1])


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_table_files_give_the_same_units_as_the_folder(example_corpus_path, tmp_path, suffix):
    documents = ctm.load_documents(example_corpus_path)
    table = documents.drop(columns="source").rename(columns={"text": "body"})
    path = tmp_path / f"corpus{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in table.to_dict("records")), "utf-8")
    else:
        table.to_parquet(path)
    from_table = ctm.read_corpus(path, text_column="body")
    from_folder = ctm.read_corpus(example_corpus_path)
    columns = ["doc_id", "unit_id", "label", "text", "n_tokens"]
    pd.testing.assert_frame_equal(from_table[columns], from_folder[columns])


def test_table_without_the_text_column(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"doc_id": ["a"], "content": ["x"]}).to_csv(path, index=False)
    with pytest.raises(ctm.InputError, match="text_column="):
        ctm.load_documents(path)
