"""Answers as staff read them: the protocol's labels, never the internal keys."""

from __future__ import annotations

from followup.protocol import Protocol
from followup.web.sections.answer_labels import Labels


def test_rating_scale_answers_read_as_the_item_and_the_words_of_the_answer(
    protocol: Protocol,
) -> None:
    labels = Labels(protocol)
    assert labels.question("phq9", "self_harm") == (
        "PHQ-9 9: Thoughts that you would be better off dead, or of hurting yourself in some way"
    )
    assert labels.answer("phq9", "self_harm", 2.0, "0 1 0 1 0 0 0 0 2") == (
        "2 (more than half the days)"
    )
    assert labels.answer("gad7", "relaxing", None, "skip") == "no answer"


def test_survey_answers_keep_their_labels(protocol: Protocol) -> None:
    labels = Labels(protocol)
    assert labels.question("post_infusion", "mood") == "Mood (0\u201310)"
    assert labels.answer("post_infusion", "mood", 6.0, "6") == "6 of 10"
    assert labels.answer("post_infusion", "side_effects", None, "nausea,headache") == (
        "nausea, headache"
    )
