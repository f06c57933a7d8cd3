"""Put the rules together: one message in, its level and findings out.

Order of reasoning, for every message:
1. Numbers: a blood pressure, pulse or oxygen reading past a threshold (`vitals`).
2. Medical red flags in words, except where a negation covers them ("no chest pain").
3. Crisis statements, except where an idiom ("this traffic is killing me") or a denial or
   recovery ("no suicidal thoughts", "I used to want to die") covers them wholly, or where
   their own clause denies them or tells them as past (`frames`); failing any, two warning
   signs of different kinds together (a means and a time, a farewell and a plan: `cues`).
4. Denials and recovery with no crisis left: review. Distress with no crisis: review.
The level is the most urgent finding's. Only the patterns the prefilter lets through are
run. Pure: no database, no I/O, no logging.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

from followup.replies.triage import (
    crisis_en,
    crisis_en_harm,
    crisis_en_indirect,
    crisis_es,
    cues,
    emoji,
    frames,
    idioms,
    medical_en,
    medical_es,
    review,
    vitals,
)
from followup.replies.triage.findings import ORDINARY, Finding, Level, Rule, Triage, short
from followup.replies.triage.prefilter import Prefilter
from followup.replies.triage.text import Prepared, Span, first_unmasked, prepare

_MEDICAL: tuple[Rule, ...] = (*medical_en.RULES, *medical_es.RULES)
_CRISIS: tuple[Rule, ...] = (
    *crisis_en.RULES,
    *crisis_en_harm.HARM,
    *crisis_en_indirect.MORE,
    *crisis_en_indirect.MORE_PLAIN,
    *crisis_en_indirect.MORE_OUTSIDE,
    *crisis_en_indirect.METAPHORS,
    *crisis_es.RULES,
    *crisis_es.MORE,
)
_DISTRESS: tuple[Rule, ...] = (*crisis_en_indirect.DISTRESS, *crisis_es.DISTRESS)
Patterns = AbstractSet[int]  # ids of the patterns the prefilter lets through
Masks = dict[int, re.Pattern[str]]  # patterns whose matches hide rule matches, by id


def _by_id(patterns: Iterable[re.Pattern[str]]) -> Masks:
    return {id(pattern): pattern for pattern in patterns}


_MEDICAL_MASKS = _by_id((*idioms.MEDICAL, *medical_en.NEGATIONS, *medical_es.NEGATIONS))
_IDIOMS = _by_id(idioms.CRISIS)


def _patterns(rules: Sequence[Rule]) -> list[re.Pattern[str]]:
    return [pattern for rule in rules for pattern in rule.patterns]


_REVIEW = _patterns(review.RULES)
_MEDICAL_SET = frozenset(map(id, _patterns(_MEDICAL)))
_CRISIS_SET = frozenset(map(id, [*_patterns(_CRISIS), *cues.PATTERNS]))
_REVIEW_SET = frozenset(map(id, _REVIEW))
_REVIEW_MASKS = _by_id(_REVIEW)


def _places(rules: Sequence[Rule]) -> dict[int, tuple[int, int, re.Pattern[str]]]:
    """Each pattern's id to its rule's position, its own, and itself."""
    return {
        id(pattern): (index, order, pattern)
        for index, rule in enumerate(rules)
        for order, pattern in enumerate(rule.patterns)
    }


_PLACES = {id(rules): _places(rules) for rules in (_MEDICAL, _CRISIS, _DISTRESS, review.RULES)}


def _live_rules(rules: Sequence[Rule], live: Patterns) -> list[tuple[Rule, list[re.Pattern[str]]]]:
    """The rules with a pattern in `live`, in their order, each with those patterns."""
    places = _PLACES[id(rules)]
    found = sorted([places[i] for i in live if i in places])
    grouped: list[tuple[Rule, list[re.Pattern[str]]]] = []
    for index, _, pattern in found:
        if not grouped or grouped[-1][0] is not rules[index]:
            grouped.append((rules[index], []))
        grouped[-1][1].append(pattern)
    return grouped


_PREFILTER = Prefilter(
    [
        *_patterns(_MEDICAL),
        *_patterns(_CRISIS),
        *_patterns(_DISTRESS),
        *_REVIEW,
        *_MEDICAL_MASKS.values(),
        *idioms.CRISIS,
        *cues.PATTERNS,
    ]
)


def triage(text: str) -> Triage:
    """The level of an inbound SMS and the findings that set it, most urgent first."""
    prepared = prepare(text)
    live = _PREFILTER.candidates(prepared.variants)
    findings = list(vitals.findings(prepared.folded))
    findings += _medical(prepared, live)
    idiomatic = _masks(prepared, _IDIOMS, live)
    crisis, excused = _crisis(prepared, text, live, idiomatic)
    findings += crisis
    if not crisis:
        findings += excused
        findings += _first_of(_DISTRESS, prepared.variants, idiomatic, live)
    if not findings:
        return ORDINARY
    findings.sort(key=lambda finding: finding.level.rank)
    return Triage(findings[0].level, tuple(_unique(findings)))


def _medical(prepared: Prepared, live: Patterns) -> list[Finding]:
    if live.isdisjoint(_MEDICAL_SET):
        return []
    masks = _masks(prepared, _MEDICAL_MASKS, live)
    return _first_of(_MEDICAL, prepared.variants, masks, live)


def _crisis(
    prepared: Prepared, text: str, live: Patterns, idiomatic: list[list[Span]]
) -> tuple[list[Finding], list[Finding]]:
    """Crisis findings said of now, and review findings for the ones denied or told as past;
    `idiomatic` holds the spans of idioms ("dying to know") in each variant."""
    found: list[Finding] = []
    signal = None if text.isascii() else emoji.finding(text, prepared.variants[0])
    if signal is not None:
        found.append(signal)
    variants = prepared.variants
    moment = frames.Moment(variants)
    od = crisis_en_indirect.OD.search(prepared.apostrophed)
    if od is not None:
        kind = frames.frame(prepared.apostrophed, *od.span(), moment)
        if kind is None:
            found.append(Finding(Level.CRISIS, "overdose", "overdose (OD)", od.group()))
    excused: list[Finding] = []
    reviewed = not live.isdisjoint(_REVIEW_SET)
    if reviewed:
        excused = _first_of(review.RULES, variants, _masks(prepared, {}, live), live)
    if live.isdisjoint(_CRISIS_SET):
        return found, excused
    masks = idiomatic
    if reviewed and not moment.back:
        # A crisis word inside a denial or a recovery is the denial's, not a crisis; unless
        # the message says it is back ("relapsed. 2 years clean from cutting and I did it").
        spans = _masks(prepared, _REVIEW_MASKS, live)
        masks = [mask + more for mask, more in zip(masks, spans, strict=True)]
    for rule, running in _live_rules(_CRISIS, live):
        now, not_now = _said_of_now(running, variants, masks, moment)
        if now is not None:
            found.append(Finding(rule.level, rule.category, rule.name, short(now)))
        elif not_now is not None:
            kind, words = not_now
            name = "denies it" if kind == "denial" else "tells it as past"
            excused.append(Finding(Level.REVIEW, kind, f"{rule.name}: {name}", short(words)))
    if not found:
        found += cues.combined(variants, masks, live)
    return _unique(found), excused


def _said_of_now(
    patterns: Sequence[re.Pattern[str]],
    variants: Sequence[str],
    masks: Sequence[list[Span]],
    moment: frames.Moment,
) -> tuple[str | None, tuple[str, str] | None]:
    """The first match said of now, else the first denied or past one."""
    not_now: tuple[str, str] | None = None
    for pattern in patterns:
        for variant, mask in zip(variants, masks, strict=True):
            first = pattern.search(variant)  # most live patterns match nothing: no iterator
            if first is None:
                continue
            for match in pattern.finditer(variant, first.start()):
                start, end = match.span()
                if mask and any(m_start <= start and end <= m_end for m_start, m_end in mask):
                    continue
                kind = frames.frame(variant, start, end, moment)
                if kind is None:
                    return match.group(), None
                not_now = not_now or (kind, match.group())
    return None, not_now


def _masks(prepared: Prepared, patterns: Masks, live: Patterns) -> list[list[Span]]:
    """For each variant, the spans that the live ones of `patterns` cover."""
    running = [patterns[i] for i in live if i in patterns] if patterns else []
    if not running:
        return [[] for _ in prepared.variants]
    return [
        [match.span() for pattern in running for match in pattern.finditer(variant)]
        for variant in prepared.variants
    ]


def _first_of(
    rules: Sequence[Rule], variants: Sequence[str], masks: Sequence[list[Span]], live: Patterns
) -> list[Finding]:
    """The first unmasked match of each rule, in any variant, one finding per category."""
    found: list[Finding] = []
    seen: set[str] = set()
    for rule, running in _live_rules(rules, live):
        if rule.category in seen:
            continue
        words = first_unmasked(running, variants, masks)
        if words is not None:
            found.append(Finding(rule.level, rule.category, rule.name, short(words)))
            seen.add(rule.category)
    return found


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[Level, str]] = set()
    kept = []
    for finding in findings:
        if (finding.level, finding.category) not in seen:
            seen.add((finding.level, finding.category))
            kept.append(finding)
    return kept
