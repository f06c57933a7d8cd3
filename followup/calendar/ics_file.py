"""Parse an iCalendar file into its VCALENDARs, salvaging the events around a bad component."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import icalendar

from followup.calendar.events import Rejected
from followup.core.errors import SourceError

_DELIMITER = re.compile(r"^(BEGIN|END):(.*?)\s*$", re.IGNORECASE | re.MULTILINE)
_CONTENT_LINE = re.compile(r"[A-Za-z0-9-]+[;:]")
_PROPERTY_NAME = re.compile(r"^([A-Za-z0-9-]+)[;:]")
_MESSAGE_LIMIT = 120
# Components that hold appointments or the file itself: never dropped to save the rest.
_KEPT = frozenset({"VCALENDAR", "VEVENT"})


@dataclass(frozen=True, slots=True)
class _Block:
    """One component as it stands in the file: its lines, 0-based, both ends included."""

    name: str
    first: int
    last: int
    parent: _Block | None


def parse_calendars(data: bytes) -> tuple[list[Any], list[Rejected]]:
    """The file's VCALENDARs, and what was skipped to read them; else a one-line SourceError.

    A component other than an event that the parser cannot read (a VTODO's DUE, a VALARM's
    TRIGGER, a VTIMEZONE's offset) is left out with its name, UID and line, not the file.
    """
    text = data.decode("utf-8-sig", errors="replace")
    skipped: list[Rejected] = []
    try:
        components: list[Any] = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as exc:  # the parser raises many types on garbage
        salvaged = _salvage(text) if _nesting_problem(text) is None else None
        if salvaged is None:
            raise SourceError(f"not an iCalendar file: {_parser_reason(exc, text)}") from exc
        components, skipped = salvaged
    # The parser silently drops components that are never closed, so check nesting ourselves.
    problem = _nesting_problem(text)
    if problem is not None:
        raise SourceError(f"not an iCalendar file: {problem}")
    if not components:
        raise SourceError("not an iCalendar file: no BEGIN:VCALENDAR found")
    for component in components:
        if component.name != "VCALENDAR":
            name = one_line(str(component.name))
            raise SourceError(f"not an iCalendar file: BEGIN:{name} outside any VCALENDAR")
        scale = str(component.get("CALSCALE", "GREGORIAN")).strip().upper()
        if scale != "GREGORIAN":
            raise SourceError(f"unsupported calendar scale {one_line(scale)!r}")
    return components, skipped


def _salvage(text: str) -> tuple[list[Any], list[Rejected]] | None:
    """Parse again without the components that fail on their own, or None if that fails too."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    dropped: set[int] = set()
    skipped: list[Rejected] = []
    for block in _droppable(_blocks(lines)):
        if _parses("\r\n".join(lines[block.first : block.last + 1])):
            continue
        dropped.update(range(block.first, block.last + 1))
        skipped.append(
            Rejected(_block_ref(block, lines), f"skipped: {_block_problem(block, lines)}")
        )
    if not skipped:
        return None
    kept = "\r\n".join(line for index, line in enumerate(lines) if index not in dropped)
    try:
        return icalendar.Calendar.from_ical(kept, multiple=True), skipped
    except Exception:  # still unreadable: the file's own reason is the one to give
        return None


def _blocks(lines: list[str]) -> list[_Block]:
    """Every component of the file with its lines; nesting was checked before."""
    found: list[_Block] = []
    opened: list[tuple[str, int, _Block | None]] = []
    for index, line in enumerate(lines):
        match = _DELIMITER.match(line)
        if match is None:
            continue
        name = match.group(2).strip().upper()
        if match.group(1).upper() == "BEGIN":
            parent = _enclosing(opened, found)
            opened.append((name, index, parent))
        elif opened:
            begun, first, parent = opened.pop()
            found.append(_Block(begun, first, index, parent))
    return found


def _enclosing(opened: list[tuple[str, int, _Block | None]], found: list[_Block]) -> _Block | None:
    # The enclosing component is not closed yet; describe it by its start, end unknown.
    if not opened:
        return None
    name, first, parent = opened[-1]
    return _Block(name, first, first, parent)


def _droppable(blocks: list[_Block]) -> list[_Block]:
    """Top-level components other than events, and what an event holds (its VALARMs)."""
    return [
        b
        for b in blocks
        if b.name not in _KEPT
        and b.parent is not None
        and (b.parent.name == "VCALENDAR" or b.parent.name == "VEVENT")
    ]


def _parses(block_text: str) -> bool:
    try:
        icalendar.Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{block_text}\r\nEND:VCALENDAR\r\n")
    except Exception:
        return False
    return True


def _block_problem(block: _Block, lines: list[str]) -> str:
    """Name the property that fails and its line, trying each content line on its own."""
    tzids = [i for i in _own_lines(block, lines) if _property(lines[i]) == "TZID"]
    if block.name == "VTIMEZONE" and len(tzids) > 1:
        return f"{block.name} has more than one TZID (lines {tzids[0] + 1} and {tzids[1] + 1})"
    for index in range(block.first + 1, block.last):
        name = _property(lines[index])
        if name is None or name in ("BEGIN", "END"):
            continue
        # Alone in a component of no kind, so only the value itself is judged (a VTIMEZONE
        # without its STANDARD part would fail for that).
        probe = f"BEGIN:VCALENDAR\r\nBEGIN:X-PROBE\r\n{_unfolded(lines, index)}\r\nEND:X-PROBE\r\n"
        try:
            icalendar.Calendar.from_ical(f"{probe}END:VCALENDAR\r\n")
        except Exception as exc:
            return f"{name} on line {index + 1} could not be read: {describe(exc)}"
    return f"{block.name} could not be read"


def _block_ref(block: _Block, lines: list[str]) -> str:
    """`VTODO todo-7@clinic (line 31)`; a VALARM by its event's UID, a VTIMEZONE by TZID."""
    own = _uid(block, lines)
    event = _uid(block.parent, lines) if block.parent is not None else None
    owner = f" {own}" if own else (f" of {event}" if event else "")
    return f"{block.name}{owner} (line {block.first + 1})"


def _uid(block: _Block, lines: list[str]) -> str | None:
    # A VTIMEZONE has no UID; its TZID is what names it.
    key = "TZID" if block.name == "VTIMEZONE" else "UID"
    for index in _own_lines(block, lines):
        if _property(lines[index]) == key:
            return one_line(_unfolded(lines, index).split(":", 1)[-1], limit=80) or None
    return None


def _own_lines(block: _Block, lines: list[str]) -> list[int]:
    """The lines of a component's own properties, not of the components inside it."""
    own: list[int] = []
    depth = 0
    last = block.last if block.last > block.first else len(lines) - 1
    for index in range(block.first + 1, last):
        match = _DELIMITER.match(lines[index])
        if match is not None:
            opening = match.group(1).upper() == "BEGIN"
            if not opening and depth == 0:
                break  # the end of a block known only by its start
            depth += 1 if opening else -1
        elif depth == 0 and _property(lines[index]) is not None:
            own.append(index)
    return own


def _property(line: str) -> str | None:
    if not line or line[0] in " \t":
        return None
    match = _PROPERTY_NAME.match(line)
    return match.group(1).upper() if match else None


def _unfolded(lines: list[str], index: int) -> str:
    parts = [lines[index]]
    for line in lines[index + 1 :]:
        if not line or line[0] not in " \t":
            break
        parts.append(line[1:])
    return "".join(parts)


def _parser_reason(exc: Exception, text: str) -> str:
    # The parser quotes the line it choked on, which may hold a patient's notes: give its number.
    if "Content line could not be parsed" not in str(exc):
        return describe(exc)
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip() and line[0] not in " \t" and not _CONTENT_LINE.match(line):
            return f"line {number} is not an iCalendar content line"
    return "a content line could not be parsed"


def _nesting_problem(text: str) -> str | None:
    """Name the first BEGIN/END that does not pair up, e.g. in a truncated download."""
    opened: list[tuple[str, int]] = []
    line, counted_to = 1, 0
    for match in _DELIMITER.finditer(text):
        kind, name = match.group(1).upper(), one_line(match.group(2).strip().upper())
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        if kind == "BEGIN":
            opened.append((name, line))
        elif not opened:
            return f"END:{name} on line {line} has no BEGIN"
        elif opened[-1][0] != name:
            return f"END:{name} on line {line} closes BEGIN:{opened[-1][0]}"
        else:
            opened.pop()
    if opened:
        name, line = opened[-1]
        return f"truncated, BEGIN:{name} on line {line} is never closed"
    return None


def describe(exc: BaseException) -> str:
    """The parser's own words when it gives a reason; never the name of an internal error."""
    message = one_line(str(exc))
    if isinstance(exc, SourceError | ValueError) and message:
        return message
    return "a value the calendar library could not handle"


def one_line(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    """Make text safe for a one-line message: printable, single spaced, bounded."""
    printable = "".join(ch if ch.isprintable() else " " for ch in str(text))
    collapsed = " ".join(printable.split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"
