"""Chinese documents: segmentation, stop words, sentences, word counts, language detection and
per-language preprocessing, on the seven PRC security laws (``../shared/corpora``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import corpus_tm as ctm
from corpus_tm.chinese import CHINESE, Chinese, lexicon_words
from corpus_tm.errors import ConfigError, CorpusTmWarning, InputError
from corpus_tm.loading import ZH_HAN_SHARE, LanguageWarning, detect_language
from corpus_tm.preprocessing import PreprocessSettings, corpus_key
from corpus_tm.study import parse_study

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LAWS = SHARED / "corpora" / "prc-security-laws-zh" / "texts"
TERMS = ("网络安全", "数据安全", "生物安全", "国家安全")


@pytest.fixture(scope="module")
def laws() -> pd.DataFrame:
    if not LAWS.is_dir():
        pytest.fail(f"{LAWS} is missing: the tests need ../shared beside the repository.")
    return ctm.load_documents(LAWS)


@pytest.fixture(scope="module")
def law_paragraphs(laws) -> pd.DataFrame:
    """One unit a non-empty line of the laws (headings and the info comment left out)."""
    rows = []
    for doc_id, text in zip(laws["doc_id"], laws["text"], strict=True):
        lines = [line for line in text.split("\n") if line.strip()]
        lines = [line for line in lines if not line.startswith(("#", "<!--"))]
        rows += [
            {"unit_id": f"{doc_id}-{i}", "doc_id": doc_id, "text": t} for i, t in enumerate(lines)
        ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def with_terms() -> Chinese:
    return Chinese(TERMS)


# --------------------------------------------------------------------------------------------
# The language


def test_chinese_is_registered_lazily_and_imports_the_segmenter_on_first_cut():
    code = (
        "import sys, corpus_tm as ctm\n"
        "assert 'zh' in ctm.available_languages()\n"
        "zh = ctm.get_language('zh')\n"
        "assert type(zh).__name__ == 'Chinese'\n"
        "assert 'rjieba' not in sys.modules and 'jieba' not in sys.modules\n"
        "zh.split_words('网络安全')\n"
        "assert 'rjieba' in sys.modules and 'jieba' not in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO.parent)


def test_lexicon_and_user_words_stay_whole_in_the_laws(law_paragraphs, with_terms):
    """Every occurrence of each term in the laws is one token (with the user dictionary)."""
    texts = law_paragraphs["text"].tolist()
    occurrences = {t: sum(text.count(t) for text in texts) for t in TERMS}
    assert all(occurrences[t] > 0 for t in TERMS)
    tokens = [with_terms.split_words(with_terms.fold_case(text)) for text in texts]
    for term in TERMS:
        assert sum(words.count(term) for words in tokens) == occurrences[term], term
    # Without them the segmenter cuts 生物安全 and 国家安全 (生物 / 安全, 国家 / 安全).
    without = Chinese()
    plain = [without.split_words(text) for text in texts[:400]]
    assert sum(words.count("国家安全") for words in plain) < sum(
        text.count("国家安全") for text in texts[:400]
    )


def test_the_zh_terms_of_a_lexicon_file_are_user_words(tmp_path):
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text(
        '[domains.biological]\nlabel = "Biological"\nterms = ["biosafety"]\n'
        '[domains.biological.zh]\nlabel = "生物安全"\nterms = ["生物安全", " 病原微生物 "]\n'
        'exclude = ["生物安全法"]\n'
        '[domains.cyber]\nlabel = "Cyber"\nterms = ["cyber"]\n',
        encoding="utf-8",
    )
    assert lexicon_words(lexicon) == ("生物安全", "生物安全法", "病原微生物")
    chinese = Chinese(lexicon=lexicon)
    assert chinese.split_words("维护生物安全和病原微生物实验室") == [
        "维护",
        "生物安全",
        "和",
        "病原微生物",
        "实验室",
    ]
    # The bundled lexicon's Chinese terms (zh-domains adds them) are one token each.
    for term in lexicon_words():
        assert CHINESE.split_words(f"加强{term}工作") == ["加强", term, "工作"]
    with pytest.raises(ConfigError, match="cannot read"):
        lexicon_words(tmp_path / "missing.toml")


def test_white_space_is_always_a_boundary_and_units_keep_their_separator(with_terms):
    words = with_terms.split_words("\x00 维护国家安全 \x00 national security \x00 网络 安全")
    assert words == [
        "\x00",
        "维护",
        "国家安全",
        "\x00",
        "national",
        "security",
        "\x00",
        "网络",
        "安全",
    ]


def test_han_numerals_are_numbers_and_words_are_not():
    zh = CHINESE
    for number in (
        "三",
        "二〇二〇",
        "一百零五",
        "第十二",
        "第十二条",
        "五十万元",
        "2020",
        "十五日",
    ):
        assert zh.is_number(number), number
    for word in ("国家", "三军", "两岸", "统一", "第一次世界大战", "g20", "covid"):
        assert not zh.is_number(word), word
    assert zh.lemmatize("安全") == "安全"
    assert zh.strip_clitics("安全") == "安全"
    assert zh.fold_case("G20峰会") == "g20峰会"
    # 生物安全 is a term of the bundled lexicon, so the segmenter keeps it whole
    assert zh.match_pieces("生物安全 Non-proliferation") == ["生物安全", "non", "proliferation"]
    assert zh.match_pieces("生物技术 Non-proliferation")[-2:] == ["non", "proliferation"]


def test_stop_words_are_the_bundled_stopwords_iso_list():
    text = (REPO / "corpus_tm" / "data" / "stopwords_zh.txt").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("stopwords-iso" in line for line in header)
    assert any("MIT" in line for line in header)
    assert any("0.7.1" in line for line in header)
    entries = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert CHINESE.stop_words == frozenset(entries)
    assert {"的", "或者", "我们", "因此"} <= CHINESE.stop_words
    assert not {"安全", "国家", "网络", "生物"} & CHINESE.stop_words


def _sentence_count(text: str) -> int:
    """Sentences by a regex of their own: runs of end marks, and a last sentence without one."""
    ends = list(re.finditer(r"[。！？!?]+[\"'”’」』)）】》]*", text))
    rest = text[ends[-1].end() :] if ends else text
    return len(ends) + (1 if rest.strip() else 0)


def _word_count(text: str) -> int:
    """Han characters by their Unicode names, plus ASCII letter-or-digit runs."""
    han = sum(
        1 for c in text if unicodedata.name(c, "").startswith("CJK UNIFIED IDEOGRAPH") or c == "〇"
    )
    return han + len(re.findall(r"[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*", text))


def test_sentences_and_word_counts_on_the_laws(laws):
    n_sentences = n_words = 0
    for text in laws["text"]:
        for paragraph in text.split("\n"):
            if not paragraph.strip():
                continue
            sentences = CHINESE.split_sentences(paragraph)
            assert len(sentences) == _sentence_count(paragraph), paragraph
            assert "".join(sentences).replace(" ", "") == paragraph.replace(" ", "")
            assert CHINESE.count_words(paragraph) == _word_count(paragraph), paragraph
            n_sentences += len(sentences)
            n_words += CHINESE.count_words(paragraph)
    assert n_sentences > 1000
    assert n_words > 60_000  # about one word a character of the 75,000 in the laws
    assert CHINESE.split_sentences("他说:“停!”然后走了。对吗?是的") == [
        "他说:“停!”",
        "然后走了。",
        "对吗?",
        "是的",
    ]
    assert CHINESE.split_sentences("(一)防控疫情;(二)生物技术研究。") == [
        "(一)防控疫情;(二)生物技术研究。"
    ]
    assert CHINESE.count_words("网络安全G20峰会2020年") == 9


# --------------------------------------------------------------------------------------------
# Detection and the language column


def test_detection_gives_zh_for_every_law_and_en_for_the_english_corpus(laws):
    assert laws["language"].tolist() == ["zh"] * 7  # declared in metadata.csv, and detected:
    assert [detect_language(t) for t in laws["text"]] == ["zh"] * 7
    english = ctm.load_documents(SHARED / "corpus")
    assert english["language"].tolist() == ["en"] * len(english)
    assert [detect_language(t) for t in english["text"]] == ["en"] * len(english)


def test_detection_of_the_laws_without_metadata(tmp_path, laws):
    """The laws as a table without a language column: every one detected as Chinese."""
    laws[["doc_id", "text"]].to_parquet(tmp_path / "laws.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = ctm.load_documents(tmp_path / "laws.parquet")
    assert table["language"].tolist() == ["zh"] * 7
    assert table.columns.tolist()[-1] == "language"


def test_detection_without_metadata_and_its_threshold(tmp_path):
    (tmp_path / "zh.txt").write_text("第一条 为了维护国家安全,制定本法。", encoding="utf-8")
    (tmp_path / "en.txt").write_text(
        "Security is the precondition of development.", encoding="utf-8"
    )
    (tmp_path / "mixed.txt").write_text(
        "The law says 网络安全 matters a lot here.", encoding="utf-8"
    )
    documents = ctm.load_documents(tmp_path)
    assert dict(zip(documents["doc_id"], documents["language"], strict=True)) == {
        "en": "en",
        "mixed": "en",  # 4 Han characters of 26 letters
        "zh": "zh",
    }
    assert detect_language("12345, 67") is None
    han, latin = "安" * 30, "a" * 70
    assert detect_language(han + latin) == "zh"  # exactly ZH_HAN_SHARE
    assert ZH_HAN_SHARE == 0.3
    assert detect_language(han[:29] + latin + "a") == "en"


def test_forcing_the_wrong_language_warns_naming_the_documents(tmp_path):
    with pytest.warns(LanguageWarning, match="national-defense-law-2020.*counter-terrorism"):
        forced = ctm.load_documents(LAWS, language="en")
    assert forced["language"].tolist() == ["en"] * 7
    assert issubclass(LanguageWarning, CorpusTmWarning)
    with pytest.warns(LanguageWarning, match="qiushi-2020-08"):
        ctm.load_documents(SHARED / "corpus", language="zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ctm.load_documents(LAWS, language="zh")["language"].tolist() == ["zh"] * 7
    # A metadata column that declares the wrong language, or one that is not registered.
    pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "text": ["维护国家安全。", "National security.", "Sécurité nationale."],
            "language": ["en", "zh-CN", "fr"],
        }
    ).to_csv(tmp_path / "table.csv", index=False)
    with pytest.warns(LanguageWarning) as caught:
        table = ctm.load_documents(tmp_path / "table.csv")
    messages = " ".join(str(w.message) for w in caught)
    assert "a (en, looks zh)" in messages
    assert "b (zh, looks en)" in messages
    assert "c ('fr')" in messages
    assert table["language"].tolist() == ["en", "zh", "en"]
    with pytest.raises(ConfigError, match="'auto' or the code of a registered language"):
        ctm.load_documents(LAWS, language="chinese")


def test_study_and_cli_take_the_language(tmp_path):
    base = {"corpus": {"path": str(LAWS)}}
    study = parse_study(base, path=tmp_path / "study.toml")
    assert study.corpus.language == "auto"
    assert "language" not in study.settings["corpus"]  # manifests of old studies unchanged
    assert "user_words" not in study.settings["preprocessing"]
    study = parse_study(
        {
            **base,
            "preprocessing": {"user_words": ["关键信息基础设施"]},
            "corpus": {"path": str(LAWS), "language": "zh"},
        },
        path=tmp_path / "study.toml",
    )
    assert study.corpus.language == "zh"
    assert study.preprocessing.given()["user_words"] == ["关键信息基础设施"]
    with pytest.raises(ConfigError, match=r"corpus.language must be \"auto\" or a language code"):
        parse_study({"corpus": {"path": str(LAWS), "language": "cn"}}, path=tmp_path / "s.toml")
    from corpus_tm import cli

    args = cli.build_parser().parse_args(["sections", str(LAWS), "--language", "zh"])
    assert args.language == "zh"
    assert cli.build_parser().parse_args(["topics", str(LAWS)]).language == "auto"


# --------------------------------------------------------------------------------------------
# Preprocessing


def test_a_mixed_table_builds_one_corpus_with_both_vocabularies(laws, law_paragraphs):
    english = ctm.read_corpus(SHARED / "corpus")
    english = english[english["doc_id"] == english["doc_id"].iloc[0]]
    assert set(english["language"]) == {"en"}
    law = law_paragraphs[law_paragraphs["doc_id"] == "cybersecurity-law-2016"].assign(language="zh")
    units = pd.concat([english[["unit_id", "text", "language"]], law], ignore_index=True)
    corpus = ctm.build_corpus(units, cache_dir=False, no_below=1, user_words=TERMS)
    vocabulary = set(corpus.vocabulary)
    assert {"national_security", "risk", "网络安全", "运营者"} <= vocabulary
    han = re.compile("[\u4e00-\u9fff]")
    is_zh = (units["language"] == "zh").to_numpy()
    for tokens, zh in zip(corpus.tokens, is_zh, strict=True):
        assert all(bool(han.search(t)) == zh for t in tokens)
    # Each language is preprocessed as if alone (phrases are learnt within a language).
    texts, codes = units["text"].tolist(), units["language"].tolist()
    together = ctm.preprocess_texts(texts, languages=codes, user_words=TERMS)
    alone_en = ctm.preprocess_texts(texts[: len(english)], user_words=TERMS)
    alone_zh = ctm.preprocess_texts(texts[len(english) :], language="zh", user_words=TERMS)
    assert together == alone_en + alone_zh
    # Without the column, settings.language (English) decides for every unit: the Chinese
    # text is cut at white space only, so whole clauses become terms.
    english_only = ctm.build_corpus(units.drop(columns="language"), cache_dir=False, no_below=1)
    assert "运营者" not in english_only.vocabulary
    assert max(len(t) for t in english_only.vocabulary if han.search(t)) > 20
    with pytest.raises(InputError, match=r"registered languages.*'xx'"):
        ctm.build_corpus(units.assign(language="xx"), cache_dir=False)


def test_stop_words_numbers_and_lexicon_terms_in_a_chinese_corpus(law_paragraphs):
    units = law_paragraphs.assign(language="zh")
    corpus = ctm.build_corpus(units, cache_dir=False, user_words=TERMS)
    vocabulary = set(corpus.vocabulary)
    assert not vocabulary & CHINESE.stop_words
    assert not any(CHINESE.is_number(t) for t in vocabulary)
    assert not any("_" in t for t in vocabulary)  # no phrases by default for Chinese
    assert corpus.settings["phrase_layers"] == 2  # the number for settings.language ("en")
    counts = dict(zip(corpus.vocabulary, corpus.dtm.sum(axis=0).A1.tolist(), strict=True))
    texts = units["text"].tolist()
    for term in TERMS:
        if sum(t.count(term) for t in texts) >= 2:
            assert counts[term] == sum(t.count(term) for t in texts), term
    # The segmentation had these stop words; the corpus has none of them.
    segmented = {w for t in texts[:200] for w in CHINESE.split_words(t)}
    assert {"或者", "以及"} <= segmented
    assert not {"或者", "以及"} & vocabulary
    # Phrases when asked for: explicit phrase_layers applies to the Chinese units too.
    phrased = ctm.build_corpus(units, cache_dir=False, user_words=TERMS, phrase_layers=1)
    assert any("_" in t for t in phrased.vocabulary)


def test_the_cache_key_follows_user_words_and_unit_languages(law_paragraphs):
    ids, texts = law_paragraphs["unit_id"].tolist(), law_paragraphs["text"].tolist()
    zh = ["zh"] * len(ids)
    plain = PreprocessSettings(language="zh")
    assert corpus_key(ids, texts, plain) == corpus_key(
        ids, texts, PreprocessSettings(language="zh")
    )
    assert corpus_key(ids, texts, plain) != corpus_key(
        ids, texts, PreprocessSettings(language="zh", user_words=["网络安全"])
    )
    assert corpus_key(ids, texts, PreprocessSettings(user_words=["网络安全"]), zh) != corpus_key(
        ids, texts, PreprocessSettings(user_words=["网络安全", "数据安全"]), zh
    )
    assert corpus_key(ids, texts, PreprocessSettings(), zh) != corpus_key(
        ids, texts, PreprocessSettings()
    )
    assert PreprocessSettings(user_words=[" 网络安全", "网络安全"]).user_words == ("网络安全",)
    assert "user_words" not in PreprocessSettings().resolved_dict()
    with pytest.raises(ConfigError, match="user_words"):
        PreprocessSettings(user_words="网络安全")


_BUILD = """
import hashlib, json, sys
import pandas as pd
import corpus_tm as ctm
from corpus_tm import preprocessing
preprocessing._PARALLEL_MIN_CHARS = 0  # worker processes with n_jobs=2, where cores are free
preprocessing._CHUNK_CHARS = 20_000
units = pd.read_json(sys.argv[1], orient="records")
corpus = ctm.build_corpus(units, cache_dir=False, n_jobs=int(sys.argv[2]), phrase_layers=1)
ids, offsets = corpus.token_ids
print(json.dumps([corpus.fingerprint, corpus.vocabulary, ids.tolist(), offsets.tolist()]))
"""


def test_chinese_corpora_are_the_same_in_every_process(tmp_path, law_paragraphs):
    english = ctm.read_corpus(SHARED / "corpus")[["unit_id", "text", "language"]]
    units = pd.concat([english, law_paragraphs.assign(language="zh")], ignore_index=True)
    path = tmp_path / "units.json"
    units[["unit_id", "text", "language"]].to_json(path, orient="records", force_ascii=False)
    outputs = []
    for seed, n_jobs in (("1", 1), ("2", 2)):
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", _BUILD, str(path), str(n_jobs)],
            check=True,
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        outputs.append(json.loads(run.stdout))
    assert outputs[0] == outputs[1]
    assert "网络安全" in outputs[0][1]
    assert "national_security" in outputs[0][1]
    assert np.asarray(outputs[0][2]).size > 20_000
