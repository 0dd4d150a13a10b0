"""Tests of the lexicon stage: the default lexicon, validation, matching and coverage."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import tomli_w

import corpus_tm as ctm
from corpus_tm.errors import ConfigError
from corpus_tm.lexicon import (
    Lexicon,
    default_lexicon,
    default_lexicon_path,
    lexicon_coverage,
    lexicon_from_dict,
    load_lexicon,
    normalize_term,
    word_pieces,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

DOMAIN_IDS = [
    "political", "homeland", "military", "economic", "cultural", "social",
    "science_technology", "cyber", "ecological", "resource", "nuclear", "overseas_interests",
    "biological", "space", "deep_sea", "polar", "financial", "food", "artificial_intelligence",
    "data",
]


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return ctm.read_corpus(CORPUS)


@pytest.fixture(scope="module")
def corpus(units):
    from corpus_tm.preprocessing import build_corpus

    return build_corpus(units, cache_dir=False)


def write(tmp_path: Path, data: dict, name: str = "lexicon.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


# --- the default lexicon ------------------------------------------------------------------


def test_default_lexicon_has_the_twenty_domains_in_order():
    lexicon = default_lexicon()
    assert lexicon.domain_ids == DOMAIN_IDS
    assert lexicon.version
    assert lexicon.source == "<default>"
    assert all(d.label and d.terms and d.description for d in lexicon)


def test_default_lexicon_years_follow_the_official_lists():
    # 11 domains in April 2014, 3 added by the 2015 National Security Law, 16 by February
    # 2020 (overseas interests, biological), 20 by April 2024.
    years = {d.id: d.year for d in default_lexicon()}
    first_eleven = DOMAIN_IDS[:11]
    assert {years[d] for d in first_eleven} == {2014}
    assert {years[d] for d in ("space", "deep_sea", "polar")} == {2015}
    assert sum(1 for y in years.values() if y <= 2015) == 14
    assert sum(1 for y in years.values() if y <= 2020) == 16
    assert {years[d] for d in ("financial", "food", "artificial_intelligence", "data")} == {2024}


def test_default_lexicon_has_translation_variants_and_multiword_terms():
    biological = default_lexicon()["biological"]
    assert {"biosafety", "biosecurity", "biological security"} <= set(biological.terms)
    multiword = [t for d in default_lexicon() for t in d.terms if " " in t]
    assert len(multiword) > 40


def test_default_lexicon_file_is_the_shipped_file():
    path = default_lexicon_path()
    assert path.name == "domains.toml"
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    assert list(data["domains"]) == DOMAIN_IDS
    assert load_lexicon(path).domains == default_lexicon().domains


def test_no_default_term_is_in_two_domains_even_after_lemmatising():
    owner: dict[str, str] = {}
    for domain in default_lexicon():
        for term in domain.terms:
            token = normalize_term(term)
            assert owner.setdefault(token, domain.id) == domain.id, (term, owner[token])


# --- loading and validation ---------------------------------------------------------------


def test_user_lexicon_round_trip(tmp_path):
    data = {
        "lexicon": {"name": "mine", "version": "0.1"},
        "domains": {
            "health": {"label": "Health", "year": 2020, "terms": ["pandemic", "public health"]},
            "trade": {"terms": ["tariff", "trade war"]},
        },
    }
    lexicon = load_lexicon(write(tmp_path, data))
    assert isinstance(lexicon, Lexicon)
    assert lexicon.domain_ids == ["health", "trade"]
    assert lexicon["trade"].label == "trade"  # defaults to the id
    assert lexicon["trade"].year is None
    assert lexicon.name == "mine"
    assert lexicon.to_frame()["token"].tolist() == [
        "pandemic", "public_health", "tariff", "trade_war"
    ]


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        ({"domains": {"a": {"terms": ["x"]}}, "extra": 1}, ["'extra'", "top-level"]),
        ({"lexicon": {"nmae": "x"}, "domains": {"a": {"terms": ["x"]}}}, ["'nmae'", "[lexicon]"]),
        ({"domains": {"health": {"terms": ["flu"], "lable": "H"}}}, ["'lable'", "'health'"]),
        ({"domains": {"health": {"terms": []}}}, ["'health'", "no terms"]),
        ({"domains": {"health": {"label": "H"}}}, ["'health'", "no terms"]),
        ({"domains": {"health": {"terms": "flu"}}}, ["'health'", "'terms'"]),
        ({"domains": {"health": {"terms": ["flu", 3]}}}, ["'health'", "'terms'"]),
        ({"domains": {"health": {"terms": ["flu"], "year": "2020"}}}, ["'health'", "'year'"]),
        ({"domains": {"Health-2": {"terms": ["flu"]}}}, ["'Health-2'", "identifier"]),
        ({"domains": {"other": {"terms": ["flu"]}}}, ["'other'", "reserved"]),
        ({"domains": {}}, ["no domains"]),
        (
            {"domains": {"health": {"terms": ["flu", "Virus"]}, "cyber": {"terms": ["virus"]}}},
            ["'health'", "'cyber'", "two domains"],
        ),
        (
            {"domains": {"mil": {"terms": ["weapons"]}, "nuc": {"terms": ["weapon"]}}},
            ["'mil'", "'nuc'", "'weapons'", "'weapon'", "lemmatising"],
        ),
    ],
)
def test_bad_lexicons_raise_config_error_naming_file_domain_and_key(tmp_path, data, needles):
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as error:
        load_lexicon(path)
    message = str(error.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message


def test_invalid_toml_and_missing_file(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[domains.health\nterms = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_lexicon(broken)
    with pytest.raises(ConfigError, match="does not exist"):
        load_lexicon(tmp_path / "nowhere.toml")


def test_duplicate_term_in_one_domain_warns_and_is_dropped(tmp_path):
    path = write(tmp_path, {"domains": {"health": {"terms": ["flu", "Flu", "virus"]}}})
    with pytest.warns(UserWarning, match="'health' lists the term 'Flu' twice"):
        lexicon = load_lexicon(path)
    assert lexicon["health"].terms == ("flu", "virus")


def test_unknown_domain_lookup_names_the_domains():
    with pytest.raises(ConfigError, match="political, homeland"):
        default_lexicon()["cyberspace"]


# --- matching -----------------------------------------------------------------------------


def test_word_pieces_and_normalize_term():
    assert word_pieces("The Party's biosafety laws") == ["the", "party", "biosafety", "law"]
    assert word_pieces("COVID-19 and AI") == ["covid", "19", "and", "ai"]  # 'ai' is not 'be'
    assert normalize_term("Biological Security") == "biological_security"
    assert normalize_term("weapons of mass destruction") == "weapon_of_mass_destruction"


def test_longest_term_wins_and_terms_do_not_overlap():
    lexicon = lexicon_from_dict(
        {"nuclear": {"terms": ["nuclear energy"]}, "resource": {"terms": ["energy", "oil"]}}
    )
    units = pd.DataFrame(
        {"unit_id": ["a", "b"], "text": ["Nuclear energy and energy.", "Oil, oil and OIL!"]}
    )
    table = lexicon_coverage(units, lexicon)
    counts = dict(zip(table["term"], table["n_occurrences"], strict=True))
    assert counts == {"nuclear energy": 1, "energy": 1, "oil": 3}


def test_match_vocabulary_finds_seeds_inside_phrase_tokens():
    lexicon = default_lexicon()
    matched = lexicon.match_vocabulary(
        ["biosafety", "national_biosafety", "biological_security", "science_technology",
         "non_proliferation", "security", "covid_19_epidemic", "military_economic"]
    )
    assert matched["biosafety"] == ("biological", "biosafety")
    assert matched["national_biosafety"][0] == "biological"
    assert matched["biological_security"] == ("biological", "biological security")
    assert matched["science_technology"] == ("science_technology", "science and technology")
    assert matched["non_proliferation"] == ("nuclear", "non-proliferation")
    assert matched["covid_19_epidemic"][0] == "biological"
    assert "security" not in matched  # no domain owns the bare word
    assert "military_economic" not in matched  # two domains, equally long seeds: ambiguous


# --- coverage on the example corpus -------------------------------------------------------


def count_words(units: pd.DataFrame, pattern: str) -> int:
    return sum(len(re.findall(pattern, t, flags=re.IGNORECASE)) for t in units["text"])


def test_coverage_counts_match_the_text(units):
    table = lexicon_coverage(units)
    assert list(table.columns) == [
        "domain", "term", "n_occurrences", "n_units", "in_vocabulary", "vocabulary_terms",
        "domain_has_evidence",
    ]
    counts = table.set_index("term")["n_occurrences"]
    assert counts["biosafety"] == count_words(units, r"\bbiosafety\b") > 0
    assert counts["biosecurity"] == count_words(units, r"\bbiosecurity\b") > 0
    # "leadership of the Party" is one term; "party" counts the other mentions.
    assert counts["leadership of the party"] == count_words(
        units, r"\bleadership of the party\b"
    )
    assert table["in_vocabulary"].isna().all()  # a unit table has no vocabulary


def test_coverage_reports_domains_without_evidence(units):
    table = lexicon_coverage(units, level="domain")
    assert table["domain"].tolist() == DOMAIN_IDS
    missing = set(table.loc[~table["has_evidence"], "domain"])
    # The example texts never mention the Arctic, outer space or the seabed ...
    for word in ("arctic", "outer space", "seabed", "satellite", "artificial intelligence"):
        assert count_words(units, rf"\b{word}\b") == 0
    assert {"polar", "space", "deep_sea", "artificial_intelligence"} <= missing
    # ... and talk about biosafety, the Party and the economy.
    assert not {"biological", "political", "economic"} & missing
    terms = lexicon_coverage(units)
    assert (
        table.set_index("domain")["n_occurrences"]
        == terms.groupby("domain", sort=False)["n_occurrences"].sum()
    ).all()


def test_coverage_on_a_corpus_says_what_the_model_can_see(units, corpus):
    table = lexicon_coverage(corpus).set_index("term")
    assert table.loc["biosafety", "in_vocabulary"]
    assert "biosafety" in table.loc["biosafety", "vocabulary_terms"].split("; ")
    # Text counts do not depend on the vocabulary.
    assert (table["n_occurrences"] == lexicon_coverage(units).set_index("term")
            ["n_occurrences"]).all()
    domains = lexicon_coverage(corpus, level="domain").set_index("domain")
    assert domains.loc["biological", "n_terms_in_vocabulary"] >= 2
    # A domain that is not in the text cannot be in the vocabulary.
    assert (domains.loc[~domains["has_evidence"], "n_terms_in_vocabulary"] == 0).all()


def test_coverage_rejects_other_input():
    with pytest.raises(ConfigError, match="unit table"):
        lexicon_coverage(["some text"])
    with pytest.raises(ConfigError, match="level"):
        lexicon_coverage(pd.DataFrame({"unit_id": ["a"], "text": ["x"]}), level="unit")


# --- exclusion phrases (issue 11, dictionary precision) ------------------------------------


def hits(text: str, lexicon: Lexicon | None = None) -> list[tuple[str, str]]:
    """The (domain, term) pairs the matcher counts in ``text``."""
    matcher = (lexicon or default_lexicon()).matcher
    return [matcher.terms[term] for _, _, term in matcher.find(word_pieces(text))]


def test_outbreak_of_war_is_not_biological_but_an_epidemic_outbreak_is():
    assert hits("An outbreak of war.") == []
    assert hits("Since the outbreak of the war in Ukraine") == []
    assert hits("the outbreak of violence and of hostilities") == []
    assert hits("After the outbreak of the epidemic, the Party led.") == [
        ("biological", "outbreak"), ("biological", "epidemic"), ("political", "party"),
    ]
    assert hits("an outbreak of Ebola") == [("biological", "outbreak"), ("biological", "ebola")]


def test_security_council_counts_for_no_domain():
    # None of its words is a seed term, so the Security Council adds nothing of its own ...
    assert hits("The Security Council met.") == []
    assert hits("Security Council resolution 2532 on the COVID-19 pandemic") == [
        ("biological", "covid-19"), ("biological", "pandemic"),
    ]
    # ... and a lexicon with a bare "security" term can keep it out with a rule.
    lexicon = lexicon_from_dict(
        {"general": {"terms": ["security"], "exclude": ["Security Council"]}}
    )
    assert hits("The Security Council and the Security Council's members", lexicon) == []
    assert hits("national security and the Security Council", lexicon) == [
        ("general", "security")
    ]


def test_nuclear_family_is_not_nuclear():
    assert hits("the nuclear family") == []
    assert hits("Nuclear families and nuclear weapons") == [("nuclear", "nuclear weapon")]


def test_default_rules_for_the_failure_patterns_of_the_hand_check():
    assert hits("I congratulate you on your election as President of the Assembly.") == []
    assert hits("free and fair elections") == [("political", "election")]
    assert hits("We urge all parties to the conflict to respect the ceasefire.") == []
    assert hits("the Conference of the Parties") == []
    assert hits("all Party members") == [("political", "party member")]
    assert hits("the West Bank") == []
    assert hits("the World Bank") == [("financial", "bank")]
    assert hits("we must combat climate change") == [("ecological", "climate change")]
    assert hits("combat forces") == [("military", "combat force")]
    assert hits("marine biological diversity") == [("ecological", "biological diversity")]
    assert hits("the International Atomic Energy Agency") == [("nuclear", "atomic energy")]
    assert hits("the lack of political will") == []
    assert hits("a multi-polar world") == []
    assert hits("melting polar ice") == [("polar", "polar")]


def test_exclusion_drops_only_its_own_domain_and_falls_back_to_shorter_terms():
    lexicon = lexicon_from_dict(
        {
            "health": {"terms": ["outbreak", "family planning"], "exclude": [
                "outbreak of war", "family planning clinic"]},
            "conflict": {"terms": ["war"]},
            "kin": {"terms": ["family"]},
        }
    )
    # the war inside "outbreak of war" is another domain's hit and still counts
    assert hits("the outbreak of war", lexicon) == [("conflict", "war")]
    # "family planning" is excluded here, so the shorter "family" of another domain counts
    assert hits("a family planning clinic", lexicon) == [("kin", "family")]
    assert hits("family planning", lexicon) == [("health", "family planning")]
    # every occurrence of the phrase is found, and a hit outside it still counts
    assert hits("outbreak of war, outbreak of wars and an outbreak", lexicon) == [
        ("conflict", "war"), ("conflict", "war"), ("health", "outbreak"),
    ]


def test_exclusion_phrases_keep_their_connector_words():
    # "climate of peace" must not turn into "climate peace", which would match "climate, peace"
    assert hits("climate of peace") == []
    assert hits("from COVID-19 to climate, peace and security") == [
        ("biological", "covid-19"), ("ecological", "climate"),
    ]


def test_exclusions_reach_coverage_vocabulary_and_the_dictionary_baseline():
    units = pd.DataFrame(
        {"unit_id": ["war", "epidemic"],
         "text": ["An outbreak of war.", "The outbreak of the epidemic."]}
    )
    counts = lexicon_coverage(units).set_index("term")["n_occurrences"]
    assert counts["outbreak"] == 1
    shares = ctm.dictionary_shares(units).shares
    assert shares.loc["war", "other"] == 1.0
    assert shares.loc["epidemic", "biological"] == 1.0
    from corpus_tm.domains import sentence_domain_scores

    scores, terms = sentence_domain_scores(
        ctm.dictionary_shares(units), "war", ["An outbreak of war.", "An outbreak."]
    )
    assert scores[0].sum() == 0
    assert terms[1] == [("outbreak", default_lexicon().domain_ids.index("biological"))]
    matched = default_lexicon().match_vocabulary(
        ["state_party", "party_member", "outbreak_of_war", "covid_19_outbreak", "west_bank"]
    )
    assert set(matched) == {"party_member", "covid_19_outbreak"}
    assert matched["covid_19_outbreak"][0] == "biological"


def test_default_lexicon_loads_with_its_exclusions():
    lexicon = default_lexicon()
    assert lexicon.version != "1.0.0"  # bumped with the exclusion rules
    assert "outbreak of war" in lexicon["biological"].exclude
    assert "nuclear family" in lexicon["nuclear"].exclude
    assert ("biological", "outbreak of war") in lexicon.exclusions
    assert "combat" not in lexicon["military"].terms
    assert load_lexicon(default_lexicon_path()).domains == lexicon.domains


@pytest.mark.parametrize(
    ("exclude", "needles"),
    [
        ("outbreak of war", ["'health'", "'exclude'", "list"]),
        (["outbreak of war", 3], ["'health'", "'exclude'", "3"]),
        (["", "outbreak of war"], ["'health'", "'exclude'", "''"]),
        (["state of war"], ["'health'", "'exclude'", "'state of war'", "none of the domain"]),
        (["Outbreaks"], ["'health'", "'exclude'", "'Outbreaks'", "'outbreak'", "remove the term"]),
        (["tariff war"], ["'health'", "'exclude'", "'tariff war'", "none of the domain"]),
    ],
)
def test_bad_exclusions_raise_config_error_naming_file_domain_and_key(tmp_path, exclude, needles):
    data = {
        "domains": {
            "health": {"terms": ["outbreak", "epidemic"], "exclude": exclude},
            "trade": {"terms": ["tariff"]},
        }
    }
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as error:
        load_lexicon(path)
    message = str(error.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message


def test_duplicate_exclusion_warns_and_is_dropped(tmp_path):
    data = {"domains": {"health": {"terms": ["outbreak"], "exclude": [
        "outbreak of war", "Outbreak of  War"]}}}
    with pytest.warns(UserWarning, match="'health' lists the exclusion 'Outbreak of War' twice"):
        lexicon = load_lexicon(write(tmp_path, data))
    assert lexicon["health"].exclude == ("outbreak of war",)
