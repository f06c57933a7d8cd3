"""Survey answers and alert reasons in the staff's words: the protocol's labels, never the
internal keys ("bladder_pain", "anything_else")."""

from __future__ import annotations

import re
from collections.abc import Mapping

from followup.protocol import Protocol
from followup.protocol.surveys import Question

# The staff pages are in English; a protocol without English labels shows its first language.
STAFF_LANGUAGE = "en"


def in_language(texts: Mapping[str, str] | None, language: str = STAFF_LANGUAGE) -> str:
    """The text in `language`, else the first one given."""
    if not texts:
        return ""
    return texts.get(language) or next(iter(texts.values()))


def question_label(question: Question, language: str = STAFF_LANGUAGE) -> str:
    """The question's label, or the first sentence of its text (up to the question mark)."""
    label = in_language(question.label, language)
    if label:
        return label
    text = in_language(question.text, language)
    cut = re.search(r"[?.]", text)
    return (
        text[: cut.end()]
        if cut and text[cut.end() - 1] == "?"
        else text[: cut.start() if cut else 80]
    )


class Labels:
    """The labels of every question and choice option of a protocol, for one language."""

    def __init__(self, protocol: Protocol, language: str = STAFF_LANGUAGE) -> None:
        self.questions: dict[tuple[str, str], Question] = {}
        self.names: dict[str, str] = {}
        for survey_key, survey in protocol.surveys.items():
            for question in survey.questions:
                self.questions[(survey_key, question.key)] = question
                self.names.setdefault(question.key, question_label(question, language))
                for option in question.options:
                    self.names.setdefault(option.key, in_language(option.label, language))
        # Rating-scale items: "PHQ-9 2: Feeling down, depressed, or hopeless".
        self.items: dict[tuple[str, str], tuple[str, list[str]]] = {}
        for instrument_key, instrument in protocol.instruments.items():
            answers = [f"{o.value} ({in_language(o.label, language)})" for o in instrument.options]
            for number, item in enumerate(instrument.items, start=1):
                label = f"{instrument.name} {number}: {in_language(item.text, language)}"
                self.items[(instrument_key, item.key)] = (label, answers)
        self.language = language

    def question(self, survey: str, key: str) -> str:
        """The label of a question, its key if the protocol no longer has it."""
        if (survey, key) in self.items:
            return self.items[(survey, key)][0]
        found = self.questions.get((survey, key))
        return question_label(found, self.language) if found else self.names.get(key, key)

    def answer(self, survey: str, key: str, value: float | None, text: str | None) -> str:
        """A scale as "2 of 10", yes/no as words, choices by their labels, text as written;
        a rating-scale item as "2 (more than half the days)"."""
        item = self.items.get((survey, key))
        if item is not None:
            answers = item[1]
            if value is None:
                return "no answer"
            return answers[int(value)] if 0 <= int(value) < len(answers) else f"{value:g}"
        found = self.questions.get((survey, key))
        if found is None:
            return (text or "") if value is None else f"{value:g}"
        if found.type == "scale" and value is not None:
            return f"{value:g} of {found.max}"
        if found.type == "yes_no" and value is not None:
            return "yes" if value else "no"
        if found.type == "choice" and text:
            labels = {o.key: in_language(o.label, self.language) for o in found.options}
            return ", ".join(labels.get(k, k) for k in text.split(","))
        return text or ""

    def reason(self, reason: str) -> str:
        """A survey alert's reason ("side_effects bladder_pain (alert on ...)") with the
        question's and its options' labels; any other reason as it is (triage names
        rules in words already, and "chest pain" must not become a question's label)."""
        key, _, rest = reason.partition(" ")
        question = next((q for (_, k), q in self.questions.items() if k == key), None)
        if question is None or not rest:
            return reason
        options = {o.key: in_language(o.label, self.language) for o in question.options}
        if options:
            pattern = re.compile(r"\b(" + "|".join(map(re.escape, options)) + r")\b")
            rest = pattern.sub(lambda m: options[m.group(1)], rest)
        return f"{question_label(question, self.language)}: {rest}"
