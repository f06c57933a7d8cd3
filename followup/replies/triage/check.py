"""Score triage on labelled messages: what `followup triage check` prints.

A labelled file has one message a line, `label<TAB>text`, with a label of crisis, medical
(an emergency), urgent, review or ordinary; blank lines and lines starting with "#" are
skipped. Pure: reading the files is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from followup.core.errors import FollowupError
from followup.replies.triage.engine import triage
from followup.replies.triage.findings import Level, Triage

LABELS: dict[str, Level] = {
    "crisis": Level.CRISIS,
    "medical": Level.EMERGENCY,
    "urgent": Level.URGENT,
    "review": Level.REVIEW,
    "ordinary": Level.ORDINARY,
}
# Levels that answer the patient with the crisis line or the emergency number and page.
ALARMS = frozenset({Level.EMERGENCY, Level.CRISIS})


class LabelError(FollowupError, ValueError):
    """A labelled line cannot be read."""


@dataclass(frozen=True, slots=True)
class Labelled:
    """One message and the label a person gave it, with where it came from."""

    label: str
    text: str
    where: str


@dataclass(slots=True)
class Score:
    """How one label fared: how many, how many caught, and which were not."""

    label: str
    total: int = 0
    caught: int = 0
    misses: list[tuple[Labelled, Triage]] = field(default_factory=list)
    alarms: list[tuple[Labelled, Triage]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """The share caught: given the level the label means (crisis and medical: a finding
        of that level, even beside a more urgent one)."""
        return self.caught / self.total if self.total else 1.0

    @property
    def alarm_rate(self) -> float:
        """The share answered with the crisis line or the emergency number and a page when
        the label did not call for it."""
        return len(self.alarms) / self.total if self.total else 0.0


def parse(lines: Iterable[str], source: str) -> list[Labelled]:
    """The labelled messages in `lines`; a malformed line raises LabelError naming it."""
    found = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        label, tab, text = line.rstrip("\n").partition("\t")
        label = label.strip().lower()
        if not tab or not text.strip():
            raise LabelError(f"{source}:{number}: expected 'label<TAB>text', got {stripped[:40]!r}")
        if label not in LABELS:
            known = "|".join(LABELS)
            raise LabelError(f"{source}:{number}: unknown label {label!r} (one of {known})")
        found.append(Labelled(label, text.strip(), f"{source}:{number}"))
    return found


def score(messages: Sequence[Labelled]) -> dict[str, Score]:
    """Triage every message and score it against its label, per label."""
    scores = {label: Score(label) for label in LABELS}
    for message in messages:
        result = triage(message.text)
        entry = scores[message.label]
        entry.total += 1
        wanted = LABELS[message.label]
        levels = {finding.level for finding in result.findings} or {Level.ORDINARY}
        caught = wanted in levels if wanted in ALARMS else result.level is wanted
        if caught:
            entry.caught += 1
        else:
            entry.misses.append((message, result))
        if levels & ALARMS and wanted not in ALARMS:
            entry.alarms.append((message, result))
    return scores


def false_alarm_rate(scores: dict[str, Score]) -> float:
    """The share of urgent, review and ordinary messages answered with an alarm."""
    quiet = [s for s in scores.values() if LABELS[s.label] not in ALARMS]
    total = sum(s.total for s in quiet)
    return sum(len(s.alarms) for s in quiet) / total if total else 0.0


def report(scores: dict[str, Score]) -> list[str]:
    """Lines to print: a table per label, then every miss and false alarm with its rule."""
    lines = [f"{'label':<9} {'messages':>8} {'caught':>7} {'recall':>7} {'false alarms':>13}"]
    for entry in scores.values():
        if entry.total:
            lines.append(
                f"{entry.label:<9} {entry.total:>8} {entry.caught:>7} {entry.recall:>7.1%} "
                f"{len(entry.alarms):>5} ({entry.alarm_rate:.1%})"
            )
    quiet = [s for s in scores.values() if LABELS[s.label] not in ALARMS]
    total = sum(s.total for s in quiet)
    if total:
        alarms = sum(len(s.alarms) for s in quiet)
        lines.append(
            f"false alarms (crisis line or emergency number for urgent, review and ordinary): "
            f"{alarms} of {total} ({false_alarm_rate(scores):.1%})"
        )
    for entry in scores.values():
        for message, result in entry.misses:
            got = result.level.value
            why = f" [{result.explain()}]" if result.findings else ""
            lines.append(f"MISS {entry.label} (got {got}){why} {message.where}: {message.text}")
    for entry in scores.values():
        for message, result in entry.alarms:
            lines.append(
                f"FALSE ALARM {entry.label} -> {result.level.value} [{result.explain()}] "
                f"{message.where}: {message.text}"
            )
    return lines
