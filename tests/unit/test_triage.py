"""Triage: crisis, medical red flags and recovery, on the project's labelled corpus and on
the kinds of message an outside tester found missed; pure, no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.replies.triage import Level, Triage, cues, idioms, triage
from followup.replies.triage.check import LabelError, false_alarm_rate, parse, report, score
from followup.replies.triage.engine import (
    _CRISIS,
    _DISTRESS,
    _MEDICAL,
    _MEDICAL_MASKS,
    _PREFILTER,
    _REVIEW,
)
from followup.replies.triage.prefilter import required
from followup.replies.triage.text import alternatives, compile_phrase, prepare
from tests.conftest import examples

CORPUS = Path(__file__).parent.parent / "fixtures" / "triage"


def corpus() -> list:  # type: ignore[type-arg]
    return [
        message
        for path in sorted(CORPUS.glob("*.tsv"))
        for message in parse(path.read_text(encoding="utf-8").splitlines(), path.name)
    ]


MESSAGES = corpus()


def test_the_corpus_has_hundreds_of_lines_per_label_in_english_and_spanish() -> None:
    counts: dict[str, int] = {}
    for message in MESSAGES:
        counts[message.label] = counts.get(message.label, 0) + 1
    assert min(counts.values()) >= 300, counts
    spanish = list(CORPUS.glob("*.es.tsv"))
    assert {p.name.split(".")[0] for p in spanish} >= {"crisis", "medical", "urgent", "review"}
    assert len({m.text for m in MESSAGES}) > 0.98 * len(MESSAGES)  # written fresh, not copied


def test_on_the_corpus_every_crisis_and_emergency_is_caught_and_false_alarms_stay_under_5_percent() -> (
    None
):
    scores = score(MESSAGES)
    problems = [line for line in report(scores) if line.startswith("MISS crisis")]
    problems += [line for line in report(scores) if line.startswith("MISS medical")]
    problems += [line for line in report(scores) if line.startswith("MISS urgent")]
    assert problems == []
    assert scores["crisis"].recall == scores["medical"].recall == 1.0
    assert false_alarm_rate(scores) <= 0.05


# --- the kinds an outside tester found missed ---------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        # Farewells and passive ideation told by action or absence.
        "gave my cat to my neighbor for when im gone",
        "this is my last message, thank you for everything",
        "I won't be around for my next infusion",
        "I wish I hadn't woken up this morning",
        "saying goodbye to everyone today",
        # Means and planning without a crisis keyword.
        "I've been saving my pills to finish it",
        "counted out my pills, there's enough now",
        "the note is written. tonight is the night",
        "picked a date, this weekend",
        # Self-harm by any method.
        "burned my arm with a lighter again",
        "punched the wall until my knuckles bled on purpose",
        "I've been cutting again",
        # Safety statements.
        "I'm not safe tonight",
        "I can't keep myself safe",
        "not sure I can stop myself",
        # Txt-speak and community terms, and intent over two sentences.
        "gonna kms",
        "thinking about ctb tonight",
        "I want to unalive myself",
        "I have enough pills now. Tonight.",
        # A denial joined to a present crisis statement.
        "I'm not suicidal but I keep planning how I'd do it",
        # Spanish.
        "ya no quiero vivir",
        "me estoy despidiendo de todos, ya me despedí de mi mamá",
        "tengo guardadas las pastillas para esta noche",
    ],
)
def test_crisis_told_every_way_is_a_crisis(message: str) -> None:
    result = triage(message)
    assert result.first(Level.CRISIS) is not None, result


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("my chest feels tight and heavy", "chest_pain"),
        ("heart racing at 150 and it won't slow down", "heart"),
        ("BP 190/115", "blood_pressure"),
        ("my bp is 185 over 95", "blood_pressure"),
        ("bottom number 124", "blood_pressure"),
        ("worst headache of my life, came on suddenly", "headache"),
        ("I fainted in the kitchen", "fainting"),
        ("she had a seizure on the couch", "seizure"),
        ("I can't catch my breath", "breathing"),
        ("my lips and tongue are swelling", "allergy"),
        ("I can't stop throwing up, it's been 6 hours", "vomiting"),
        ("his face is drooping on one side and his speech is slurred", "stroke"),
        ("I fell and hit my head on the counter", "head_injury"),
        ("I crashed my car driving home from the infusion", "crash"),
        ("still hallucinating this morning, the infusion was yesterday", "confusion"),
        ("I can't wake my husband up", "unresponsive"),
        ("me duele el pecho desde hace una hora", "chest_pain"),
        ("la presión me salió 19/12", "blood_pressure"),
    ],
)
def test_each_medical_red_flag_is_an_emergency_named_by_its_category(
    message: str, category: str
) -> None:
    finding = triage(message).first(Level.EMERGENCY)
    assert finding is not None and finding.category == category, triage(message)


@pytest.mark.parametrize(
    "message",
    [
        "I can't pee, only a few drops come out",
        "there's blood in my pee",
        "my bladder is killing me",
        "it burns every time I urinate",
        "my IV site is red, hot and swollen",
        "BP 168/104",
        "no puedo orinar desde la mañana",
    ],
)
def test_urinary_iv_site_and_high_blood_pressure_are_urgent_not_emergencies(message: str) -> None:
    result = triage(message)
    assert result.level is Level.URGENT, result
    assert result.pages_on_call


@pytest.mark.parametrize(
    "message",
    [
        "I used to want to die, now much better",
        "haven't thought about suicide in 3 weeks",
        "no suicidal thoughts this week",
        "I would never hurt myself, don't worry",
        "90 days clean from cutting!",
        "antes quería morirme, ahora estoy mucho mejor",
    ],
)
def test_recovery_and_denials_go_to_review_without_an_alarm(message: str) -> None:
    result = triage(message)
    assert result.level is Level.REVIEW, result
    assert not result.pages_on_call


@pytest.mark.parametrize(
    "message",
    [
        "I'm not suicidal but I keep thinking about dying",
        "no suicidal thoughts, but I have the pills saved",
        "I used to want to die and now it's back",
        "I'm not going to hurt myself tonight. I'm waiting till the weekend",
        # A "no" after someone's own statement is a cry, not a form's answer.
        "I want to kill myself. NO",
        "quiero matarme. no",
    ],
)
def test_a_denial_or_a_past_joined_to_a_present_crisis_is_still_a_crisis(message: str) -> None:
    assert triage(message).first(Level.CRISIS) is not None, triage(message)


@pytest.mark.parametrize(
    ("ordinary", "crisis"),
    [
        ("crossed the bridge on the way home", "thinking about jumping off the bridge"),
        ("bought rope to tie the tree in the yard", "bought a rope, the beam will hold"),
        ("I could die for a coffee", "I just want to die"),
        ("this traffic is killing me", "I'm going to kill myself"),
        ("took my 50mg sertraline", "took the whole bottle of sertraline"),
        ("no chest pain, just tired", "chest pain and my left arm is numb"),
        ("me muero de hambre", "me quiero morir"),
    ],
)
def test_objects_and_idioms_are_ordinary_and_the_same_words_with_intent_are_not(
    ordinary: str, crisis: str
) -> None:
    assert triage(ordinary).level is Level.ORDINARY, triage(ordinary)
    assert triage(crisis).pages_on_call, triage(crisis)


def test_a_finding_names_its_rule_and_the_words_that_matched() -> None:
    result = triage("Honestly I have been thinking about suicide a lot since Tuesday")
    finding = result.first(Level.CRISIS)
    assert finding is not None
    assert finding.words == "suicide" and finding.rule == "suicide named"
    assert result.explain() == 'suicide named ("suicide")'


def test_levels_sort_emergency_crisis_urgent_review_ordinary() -> None:
    assert [level.value for level in sorted(Level, key=lambda lv: lv.rank)] == [
        "emergency",
        "crisis",
        "urgent",
        "review",
        "ordinary",
    ]


def test_an_overdose_with_chest_pain_is_both_a_crisis_and_an_emergency() -> None:
    result = triage("took all my pills and now my chest hurts")
    assert result.level is Level.EMERGENCY
    assert result.first(Level.CRISIS) is not None


# --- the checker ----------------------------------------------------------------------------


def test_a_labelled_file_with_a_bad_line_is_refused_with_its_file_and_line() -> None:
    with pytest.raises(LabelError, match=r"x.tsv:2: expected 'label<TAB>text'"):
        parse(["crisis\tI want to die", "no tab here"], "x.tsv")
    with pytest.raises(LabelError, match=r"x.tsv:1: unknown label 'urgentish'"):
        parse(["urgentish\tmy bladder"], "x.tsv")


def test_the_report_names_every_miss_and_false_alarm_with_its_rule() -> None:
    messages = parse(["crisis\tthe weather is nice", "ordinary\tI want to die"], "t.tsv")
    lines = report(score(messages))
    assert any(line.startswith("MISS crisis (got ordinary) t.tsv:1") for line in lines)
    assert any("FALSE ALARM ordinary -> crisis [wish to be dead" in line for line in lines)


# --- properties -----------------------------------------------------------------------------


@given(st.text())
def test_no_text_makes_triage_raise(text: str) -> None:
    result = triage(text)
    assert isinstance(result, Triage)
    assert all(0 < len(finding.words) <= 60 for finding in result.findings)


STATEMENTS = ["I want to kill myself", "quiero morir", "I have chest pain", "BP 200/130"]


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=200), st.sampled_from(STATEMENTS))
def test_an_alarm_statement_alarms_whatever_surrounds_it(text: str, statement: str) -> None:
    assert triage(f"{text}. {statement}").pages_on_call
    assert triage(f"{statement}. {text}").pages_on_call


ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=80)
# Each needs one of the ASCII path's shortcuts: digits for letters, stretched letters, "'".
ASCII_CRISIS = ["I want to k1ll myself", "su1c1de", "I want to diiiie", "I'm gonna OD", "kys"]


@settings(max_examples=examples(100), deadline=None)
@given(ASCII, st.sampled_from(["", *ASCII_CRISIS]), ASCII)
def test_plain_ascii_is_triaged_as_the_full_unicode_folding_triages_it(
    before: str, statement: str, after: str
) -> None:
    text = f"{before} {statement} {after}"
    # A trailing combining accent sends the text down the Unicode path, and folds to nothing.
    assert triage(text) == triage(text + "\u0301")


@settings(max_examples=examples(100), deadline=None)
@given(st.sampled_from([m.text for m in MESSAGES]), st.sampled_from([m.text for m in MESSAGES]))
def test_the_prefilter_never_hides_a_pattern_that_matches(first: str, second: str) -> None:
    """Every pattern that matches a text is among the prefilter's candidates for it."""
    variants = prepare(f"{first} {second}").variants
    live = _PREFILTER.candidates(variants)
    for pattern in EVERY_PATTERN:
        if any(pattern.search(variant) for variant in variants):
            assert id(pattern) in live, pattern.pattern[:80]


EVERY_PATTERN = [
    *_MEDICAL_MASKS.values(),
    *_REVIEW,
    *idioms.CRISIS,
    *cues.PATTERNS,
    *(p for rules in (_MEDICAL, _CRISIS, _DISTRESS) for r in rules for p in r.patterns),
]


@pytest.mark.parametrize(
    "text",
    [
        "killmyself tonight",  # words run together
        "k m s",  # letters spaced out
        "s u i c i d e",
        "wanttodie",
        "BP 190/115 and my chest hurts",  # digits as atoms
        "question 9: nearly every day",
        "mood 1",
        "i m   not   ok | goodbye everyone",
    ],
)
def test_the_prefilter_lets_through_every_pattern_that_matches_odd_spacing(text: str) -> None:
    variants = prepare(text).variants
    live = _PREFILTER.candidates(variants)
    matching = [p for p in EVERY_PATTERN if any(p.search(v) for v in variants)]
    assert matching, text  # each text matches something, so the check is not empty
    assert [p.pattern for p in matching if id(p) not in live] == []


@pytest.mark.parametrize(
    ("pattern", "atoms"),
    [
        ("kill myself", {"myself"}),
        ("(?:die|dye) now", {"now"}),
        ("su[ia]?cide", {"cide"}),
        ("(?:a )?b", None),
        ("(?:pills?|meds) (?:saved|counted)", {"saved", "counted"}),
    ],
)
def test_required_strings_are_read_off_each_pattern(pattern: str, atoms: set[str] | None) -> None:
    found = required(compile_phrase(pattern).pattern)
    assert (set(found) if found is not None else None) == atoms


def test_a_wildcard_word_cannot_split_a_word_in_two() -> None:
    # "(?:\w+ )?ready" once read "already" as "al" + "ready".
    assert compile_phrase(r"(?:\w+ )?ready").search("meds already") is None
    assert re.search(compile_phrase("kill myself"), "killmyself")


@pytest.mark.parametrize(
    ("pattern", "parts"),
    [
        ("a|b(?:c|d)|e", ["a", "b(?:c|d)", "e"]),
        (r"[|x]y|z", ["[|x]y", "z"]),  # a bar in a class does not split
        (r"a\|b|c", [r"a\|b", "c"]),  # nor an escaped one
        (r"[]|]|q", ["[]|]", "q"]),
        ("(?:a|b) c", ["(?:a|b) c"]),
    ],
)
def test_a_pattern_splits_at_its_top_level_bars_only(pattern: str, parts: list[str]) -> None:
    assert alternatives(pattern) == parts
    # The parts together match what the whole does.
    whole = re.compile(pattern)
    for text in ("a", "bc", "bd", "e", "|y", "xy", "z", "a|b", "c", "]", "q", "a c", "b c"):
        assert bool(whole.fullmatch(text)) == any(re.fullmatch(p, text) for p in parts)
