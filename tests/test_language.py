"""Tests of the language module: the English rules, the registry, and a second language that
is one class and one registration line."""

from __future__ import annotations

import re

import numpy as np
import pytest
from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS

import corpus_tm as ctm
from corpus_tm import language as language_module
from corpus_tm import preprocessing
from corpus_tm.errors import ConfigError
from corpus_tm.language import English, available_languages, get_language, register_language
from corpus_tm.lexicon import lexicon_from_dict, normalize_term, word_pieces
from corpus_tm.preprocessing import PreprocessSettings, build_corpus, corpus_key
from corpus_tm.sectioning import count_words, split_sentences

# --------------------------------------------------------------------------------------------
# A toy second language: sentences end with "|", tokens are written in upper case, a word's
# lemma drops a final "S", and its only connector word is "OF".


class Pipe:
    code = "pipe"
    name = "Pipe"
    stop_words = frozenset({"THE", "AND", "TO", "A", "IN", "IS"})
    connector_words = frozenset({"OF"})

    def prepare(self) -> None:
        pass

    def fold_case(self, text: str) -> str:
        return text.upper()

    def split_words(self, text: str) -> list[str]:
        return text.split()

    def token_pieces(self, word: str) -> list[str]:
        return re.findall(r"[^\W_]+|[^\w\s]", word)

    def strip_clitics(self, piece: str) -> str | None:
        return piece

    def is_number(self, piece: str) -> bool:
        return piece.isdigit()

    def lemmatize(self, word: str) -> str:
        return word[:-1] if len(word) > 3 and word.endswith("S") else word

    def split_sentences(self, text: str) -> list[str]:
        return [s.strip() for s in re.findall(r"[^|]*\||[^|]+$", text) if s.strip()]

    def count_words(self, text: str) -> int:
        return len(text.split())

    def match_pieces(self, text: str) -> list[str]:
        return re.findall(r"[^\W_]+", text.upper())


@pytest.fixture
def pipe(monkeypatch) -> Pipe:
    """The toy language, registered for one test (the registry is restored afterwards)."""
    monkeypatch.setattr(language_module, "_REGISTRY", dict(language_module._REGISTRY))
    return register_language(Pipe())


# --------------------------------------------------------------------------------------------
# English


def test_english_is_registered_by_default():
    assert "en" in available_languages()
    english = get_language("en")
    assert isinstance(english, English)
    assert english.code == "en"
    assert english.name == "English"


def test_english_connector_words_are_gensims():
    assert get_language("en").connector_words == ENGLISH_CONNECTOR_WORDS


def test_english_stop_words_are_the_bundled_list():
    stop = get_language("en").stop_words
    assert stop is preprocessing.english_stopwords()
    assert {"the", "and", "don", "regarding"} <= stop
    assert not {"system", "interest", "un", "security"} & stop  # content words were removed


def test_english_word_rules():
    en = get_language("en")
    assert en.fold_case("The U.N.") == "the u.n."
    assert en.split_words("a  b\n\x00 c") == ["a", "b", "\x00", "c"]
    assert en.token_pieces("security,") == ["security", ","]
    assert en.token_pieces("non-traditional") == ["non-traditional"]
    assert en.token_pieces("(party's)") == ["(", "party's", ")"]
    assert en.strip_clitics("party's") == "party"
    assert en.strip_clitics("we\u2019re") == "we"
    assert en.strip_clitics("o'brien") == "obrien"
    assert en.strip_clitics("don't") is None
    assert en.strip_clitics("g20") == "g20"
    assert [en.is_number(p) for p in ("2020", "3,000", "21st", "1990s", "1990_2000")] == [True] * 5
    assert [en.is_number(p) for p in ("g20", "covid_19", "first")] == [False] * 3


def test_english_lemmas_keep_short_and_mixed_words():
    en = get_language("en")
    assert en.lemmatize("risks") == "risk"
    assert en.lemmatize("ai") == "ai"  # simplemma would say "be"
    assert en.lemmatize("us") == "us"
    assert en.lemmatize("covid19") == "covid19"


# Read by hand from the UN speeches and the example article: what simplemma 2.0 gives and
# what an English dictionary says the lemma is.
SIMPLEMMA_STEMS = {
    "developed": "develop",  # simplemma: develope
    "growing": "grow",  # growe
    "thinking": "think",  # thinke
    "playing": "play",  # playe
    "gone": "go",  # gan
    "determining": "determine",  # determin
    "attaches": "attach",  # attache
    "travelling": "travel",  # travell
    "wives": "wife",  # wive
}
# simplemma gets these right; the check must not change them. The -ing nouns keep their
# meaning (trafficking is not traffic, mining not a mine), and simplemma's spelling stays.
SIMPLEMMA_RIGHT = {
    "trafficking": "trafficking",
    "mining": "mining",
    "banking": "banking",
    "defence": "defense",
    "countries": "country",
    "excellencies": "excellency",
    "weapons": "weapon",
    "based": "base",
    "landlocked": "landlocked",
}


@pytest.mark.parametrize("word", sorted(SIMPLEMMA_STEMS))
def test_english_lemmas_are_words_where_simplemma_invents_a_stem(word):
    import simplemma

    en = get_language("en")
    assert en.lemmatize(word) == SIMPLEMMA_STEMS[word]
    # the case is real: if simplemma's data is fixed, this test says so
    assert simplemma.lemmatize(word, lang="en").lower() != SIMPLEMMA_STEMS[word]


@pytest.mark.parametrize("word", sorted(SIMPLEMMA_RIGHT))
def test_english_lemmas_keep_simplemma_where_it_is_right(word):
    assert get_language("en").lemmatize(word) == SIMPLEMMA_RIGHT[word]


def test_example_vocabulary_has_no_simplemma_stem(example_units):
    corpus = build_corpus(example_units, no_below=1)
    vocabulary = set(corpus.vocabulary)
    assert {"develop", "think", "play"} <= vocabulary
    assert not {"develope", "thinke", "playe"} & vocabulary


def test_english_sentences_keep_abbreviations():
    text = "Mr. Smith met H.E. Wang in the U.S. on 3 Jan. 2020. They spoke! Was it useful? Yes."
    assert get_language("en").split_sentences(text) == [
        "Mr. Smith met H.E. Wang in the U.S. on 3 Jan. 2020.",
        "They spoke!",
        "Was it useful?",
        "Yes.",
    ]
    assert split_sentences(text) == split_sentences(text, language="en")


def test_english_sentences_and_word_counts_on_the_example_corpus(example_units):
    """Sentences give each paragraph back and their word counts add up to the paragraph's."""
    en = get_language("en")
    paragraphs = [p for text in example_units["text"] for p in text.split("\n\n")]
    assert len(paragraphs) >= 40
    n_sentences = 0
    for paragraph in paragraphs:
        sentences = split_sentences(paragraph)
        n_sentences += len(sentences)
        assert " ".join(sentences) == " ".join(paragraph.split())
        assert sum(map(count_words, sentences)) == count_words(paragraph)
        assert count_words(paragraph) == en.count_words(paragraph) > 0
    assert n_sentences > 3 * len(paragraphs)  # most paragraphs have several sentences


def test_english_word_count():
    assert count_words("Don't split covid-19 or rule-of-law, 2020.") == 6
    assert count_words("the U.N.'s") == 4  # the, U, N, s


def test_english_match_pieces():
    en = get_language("en")
    assert en.match_pieces("The Party's non-proliferation_treaty") == [
        "the",
        "party",
        "non",
        "proliferation",
        "treaty",
    ]


# --------------------------------------------------------------------------------------------
# The registry


def test_unknown_language_is_a_config_error_naming_the_codes():
    with pytest.raises(ConfigError, match=r"Unknown language 'xx'.*available languages are 'en'"):
        get_language("xx")
    with pytest.raises(ConfigError, match="xx"):
        split_sentences("One. Two.", language="xx")
    with pytest.raises(ConfigError, match="xx"):
        count_words("One two", language="xx")
    with pytest.raises(ConfigError, match="xx"):
        word_pieces("biosafety", language="xx")
    with pytest.raises(ConfigError, match=r"language must be a registered language \(en, zh\)"):
        PreprocessSettings(language="xx")
    with pytest.raises(ConfigError, match=r"\[lexicon\] language: Unknown language 'xx'"):
        lexicon_from_dict({"lexicon": {"language": "xx"}, "domains": {"bio": {"terms": ["a"]}}})


def test_register_language_checks_the_object(monkeypatch):
    monkeypatch.setattr(language_module, "_REGISTRY", dict(language_module._REGISTRY))

    class Half:
        code = "half"
        name = "Half"

        def split_sentences(self, text: str) -> list[str]:
            return [text]

    with pytest.raises(ConfigError, match=r"lacks stop_words, connector_words, prepare"):
        register_language(Half())
    assert "half" not in available_languages()

    class Shouting(Pipe):
        code = "EN"

    with pytest.raises(ConfigError, match="lower-case"):
        register_language(Shouting())

    class AnotherEnglish(English):
        pass

    with pytest.raises(ConfigError, match="already registered"):
        register_language(AnotherEnglish())
    assert isinstance(get_language("en"), English)
    assert type(get_language("en")) is English
    replacement = register_language(AnotherEnglish(), replace=True)
    assert get_language("en") is replacement


# --------------------------------------------------------------------------------------------
# Callers take the language from their settings


def test_english_settings_defaults_are_unchanged():
    settings = PreprocessSettings()
    assert settings.language == "en"
    assert settings.stopwords == "english"
    assert settings.connector_words == tuple(sorted(ENGLISH_CONNECTOR_WORDS))
    assert settings.to_dict()["language"] == "en"
    with pytest.raises(ConfigError, match=r"stopwords must be 'english' or 'chinese' or 'none'"):
        PreprocessSettings(stopwords="french")


def test_a_second_language_is_one_class_and_one_registration(pipe):
    assert available_languages() == ["en", "pipe", "zh"]
    assert split_sentences("one two| three|four", language="pipe") == [
        "one two|",
        "three|",
        "four",
    ]
    assert count_words("one two| three", language="pipe") == 3
    settings = PreprocessSettings(language="pipe", extra_stopwords=["xinhua", "rule of law"])
    assert settings.stopwords == "pipe"  # the language's own list by default
    assert settings.connector_words == ("OF",)
    assert settings.extra_stopwords == ("RULE_OF_LAW", "XINHUA")  # folded the language's way
    assert PreprocessSettings(language="pipe", stopwords="english").stopwords == "english"


def test_build_corpus_follows_the_language(pipe, example_units):
    # Without a language column every unit is in settings.language (a column decides unit by
    # unit: tests/test_chinese.py).
    example_units = example_units.drop(columns="language")
    english = build_corpus(example_units, cache_dir=False)
    toy = build_corpus(example_units, cache_dir=False, language="pipe")
    assert toy.settings["language"] == "pipe"
    assert toy.settings["stopwords"] == "pipe"
    assert toy.fingerprint != english.fingerprint
    vocabulary = set(toy.vocabulary)
    assert all(term == term.upper() for term in vocabulary)
    assert {"RISK", "NATIONAL_SECURITY", "RULE_OF_LAW"} <= vocabulary
    assert not {"RISKS", "THE", "OF"} & vocabulary  # lemma, stop word, connector word
    # The English rules would have dropped these; the toy language keeps them.
    assert {"WITH", "WE"} <= vocabulary
    assert not {"with", "we"} & set(english.vocabulary)
    # The same units under the same settings give the same corpus in several processes.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(preprocessing, "_PARALLEL_MIN_CHARS", 0)
        parallel = build_corpus(example_units, cache_dir=False, language="pipe", n_jobs=2)
    assert parallel.vocabulary == toy.vocabulary
    assert np.array_equal(parallel.dtm.toarray(), toy.dtm.toarray())


def test_corpus_key_includes_the_language(pipe, example_units):
    ids = example_units["unit_id"].tolist()
    texts = example_units["text"].tolist()
    english = corpus_key(ids, texts, PreprocessSettings())
    assert english == corpus_key(ids, texts, PreprocessSettings(language="en"))
    assert english != corpus_key(ids, texts, PreprocessSettings(language="pipe"))


def test_lexicon_language_selects_the_matching_rules(pipe):
    data = {"domains": {"bio": {"terms": ["biosafety risks", "outbreak"]}}}
    english = lexicon_from_dict(data)
    toy = lexicon_from_dict({"lexicon": {"language": "pipe"}, **data})
    assert english.language == "en"
    assert toy.language == "pipe"
    assert english.to_frame()["token"].tolist() == ["biosafety_risk", "outbreak"]
    assert toy.to_frame()["token"].tolist() == ["BIOSAFETY_RISK", "OUTBREAK"]
    assert normalize_term("biosafety risks", "pipe") == "BIOSAFETY_RISK"
    assert word_pieces("Biosafety risks", language="pipe") == ["BIOSAFETY", "RISK"]
    texts = ["Biosafety risks, an outbreak and BIOSAFETY RISK."]
    assert toy.matcher.hit_matrix(texts).toarray().tolist() == [[2, 1]]
    assert toy.match_vocabulary(["BIOSAFETY_RISK_OF_X", "outbreak"]) == {
        "BIOSAFETY_RISK_OF_X": ("bio", "biosafety risks"),
        "outbreak": ("bio", "outbreak"),
    }


def test_registered_language_reaches_the_public_api(pipe):
    assert ctm.split_sentences("a| b", language="pipe") == ["a|", "b"]
