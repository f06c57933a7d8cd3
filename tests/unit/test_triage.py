"""Crisis triage: every crisis message in the corpus alerts, ordinary replies and idioms do
not, and nothing a patient can type makes the check fail or hides a crisis statement."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.replies.triage import Finding, Severity, detect_crisis

FIXTURES = Path(__file__).parent.parent / "fixtures"


def corpus(name: str) -> list[str]:
    """One message per line; blank lines and "#" comments skipped."""
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


CRISIS = corpus("crisis_messages.txt")
ORDINARY = corpus("non_crisis_messages.txt")


def test_the_corpora_are_large_distinct_and_disjoint() -> None:
    assert len(set(CRISIS)) == len(CRISIS) >= 60
    assert len(set(ORDINARY)) == len(ORDINARY) >= 25
    assert not set(CRISIS) & set(ORDINARY)


@pytest.mark.parametrize("message", CRISIS)
def test_every_crisis_message_in_the_corpus_alerts(message: str) -> None:
    assert detect_crisis(message) is not None


@pytest.mark.parametrize("message", ORDINARY)
def test_no_ordinary_reply_in_the_corpus_alerts(message: str) -> None:
    assert detect_crisis(message) is None


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("I want to kill myself", "suicide"),
        ("quiero quitarme la vida", "suicide"),
        ("I cut myself again", "self_harm"),
        ("me quiero cortar", "self_harm"),
        ("I don't feel safe with myself tonight", "safety"),
        ("I took the whole bottle", "overdose"),
        ("took 500mg", "overdose"),
        ("me tomé todas las pastillas", "overdose"),
        ("I have a gun at home", "method"),
        ("voy a tirarme del puente", "method"),
        ("\U0001f48a", "emoji"),
        ("I feel hopeless", "hopelessness"),
        ("ya no aguanto más", "hopelessness"),
        ("help me", "distress"),
        ("I can't stop crying", "distress"),
    ],
)
def test_each_kind_of_signal_is_named_by_its_category(message: str, category: str) -> None:
    finding = detect_crisis(message)
    assert finding is not None
    assert finding.category == category


@pytest.mark.parametrize(
    "message",
    [
        "I don't want to kill myself but I keep thinking about it",
        "I'm not suicidal, I just think about dying a lot",
        "I would never hurt myself, don't worry",
        "no quiero matarme pero lo pienso",
    ],
)
def test_a_negation_never_excuses_a_crisis_statement(message: str) -> None:
    assert detect_crisis(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        "this headache is killing me and I want to die",
        "I'm dying to know if it works, because I want to end it all",
        "dead tired of living",
        "my phone is about to die and so do I want to die",
        "traffic on the bridge, I'm going to jump off it",
        "me muero de risa pero me quiero morir",
        "I threw my phone, I just want to die",
        "stuck, jump off the bridge",
        "I'm going to die of boredom, I mean it, I want to die",
    ],
)
def test_an_idiom_hides_only_itself_so_a_crisis_beside_it_still_alerts(message: str) -> None:
    assert detect_crisis(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        *("i dont want to live", "i don't want to live", "I DON\u2019T WANT TO LIVE"),
        *("im going to kill myself", "i m going to kill myself", "I'm going to kill myself"),
        *("KILLMYSELF", "kill   myself", "kill my self", "k1ll myself", "killlll myself"),
        *("I WANT TO DIIIIE", "i wanna die", "i want 2 die", "suicidal", "SUICIDAL", "sucidal"),
        *("quiero morir", "QUIERO MORIR", "quiero morír", "me quiero suicidar"),
    ],
)
def test_case_accents_apostrophes_spacing_and_stretched_letters_do_not_matter(
    message: str,
) -> None:
    assert detect_crisis(message) is not None


@pytest.mark.parametrize(
    "message",
    ["\U0001f48a", "\U0001f52a", "\U0001faa2", "\u26b0\ufe0f", "\U0001fa78", "\U0001f52b"],
)
def test_pill_knife_rope_coffin_blood_and_gun_emoji_alert_on_their_own(message: str) -> None:
    assert detect_crisis(message) == Finding("emoji", message.replace("\ufe0f", ""))


@pytest.mark.parametrize(
    "message",
    ["\U0001f480", "\U0001f480\U0001f480\U0001f480", "lmao \U0001f480", "I'm dead \U0001f480"],
)
def test_a_skull_alone_or_laughing_is_slang_and_does_not_alert(message: str) -> None:
    assert detect_crisis(message) is None


@pytest.mark.parametrize(
    "message",
    ["\U0001f480\U0001f622", "I'm so done \U0001f480", "goodbye \U0001f480", "\u2620\ufe0f alone"],
)
def test_a_skull_beside_sadness_alerts(message: str) -> None:
    finding = detect_crisis(message)
    assert finding is not None
    assert finding.category == "emoji"


def test_a_skull_beside_a_laugh_does_not_alert_even_with_a_sad_word() -> None:
    assert detect_crisis("so done with this traffic \U0001f480\U0001f602") is None


@pytest.mark.parametrize(
    ("message", "alerts"),
    [
        ("OD'd last night", True),
        ("I OD\u2019d", True),
        ("I think I OD", True),
        ("I feel odd", False),
        ("odd dreams", False),
    ],
)
def test_od_with_its_apostrophe_is_an_overdose_but_odd_is_not(message: str, alerts: bool) -> None:
    assert (detect_crisis(message) is not None) is alerts


@pytest.mark.parametrize(
    ("message", "alerts"),
    [
        ("I took my usual pills this morning", False),
        ("I took 2 tylenol", False),
        ("I took all my morning meds", False),
        ("I took 3 tylenol", True),
        ("I took all my pills", True),
        ("I took 800 mg of ibuprofen", True),
    ],
)
def test_pills_alert_with_a_quantity_of_three_or_more_all_or_milligrams(
    message: str, alerts: bool
) -> None:
    assert (detect_crisis(message) is not None) is alerts


@pytest.mark.parametrize(
    ("category", "severity"),
    [
        ("suicide", Severity.CRITICAL),
        ("self_harm", Severity.CRITICAL),
        ("safety", Severity.CRITICAL),
        ("overdose", Severity.CRITICAL),
        ("method", Severity.CRITICAL),
        ("emoji", Severity.CRITICAL),
        ("hopelessness", Severity.HIGH),
        ("distress", Severity.HIGH),
    ],
)
def test_warning_signs_are_high_and_everything_else_is_critical(
    category: str, severity: Severity
) -> None:
    assert Finding(category, "x").severity is severity


def test_severities_are_the_protocol_alert_severities() -> None:
    assert [str(severity) for severity in Severity] == ["critical", "high"]


def test_a_finding_names_the_matched_phrase_short_and_cannot_be_changed() -> None:
    finding = detect_crisis("Honestly I have been thinking about suicide a lot since Tuesday")
    assert finding == Finding("suicide", "suicide")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.category = "none"  # type: ignore[misc]


@given(st.text())
def test_no_text_makes_the_check_raise(text: str) -> None:
    finding = detect_crisis(text)
    assert finding is None or 0 < len(finding.phrase) <= 60


ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=80)
# Each needs one of the ASCII path's shortcuts: digits for letters, stretched letters, "'".
ASCII_CRISIS = ["I want to k1ll myself", "su1c1de", "I want to diiiie", "I'm gonna OD", "kys"]


@settings(deadline=None)
@given(ASCII, st.sampled_from(["", *ASCII_CRISIS]), ASCII)
def test_plain_ascii_is_checked_as_the_full_unicode_folding_checks_it(
    before: str, statement: str, after: str
) -> None:
    text = f"{before} {statement} {after}"
    # A trailing combining accent sends the text down the Unicode path, and folds to nothing.
    assert detect_crisis(text) == detect_crisis(text + "\u0301")


def test_the_ascii_crisis_examples_alert() -> None:
    assert all(detect_crisis(statement) is not None for statement in ASCII_CRISIS)


@settings(deadline=None)
@given(st.text(max_size=200), st.sampled_from(["I want to kill myself", "quiero morir"]))
def test_a_crisis_statement_alerts_whatever_surrounds_it(text: str, statement: str) -> None:
    assert detect_crisis(f"{text}. {statement}") is not None
    assert detect_crisis(f"{statement}. {text}") is not None
