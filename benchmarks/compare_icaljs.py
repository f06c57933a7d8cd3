"""followup's ICS reader against Mozilla's ical.js, occurrence by occurrence, on the calendars
`bench_calendars` reads (the installed icalendar and recurring-ical-events test calendars and
tests/fixtures/ics/exports); agreement per file, each disagreement classified, totals.

Both read each file over the same window, 2000-01-01 to 2030-01-01 UTC, floating times in
the clinic's zone (America/New_York). Occurrences are matched by (UID, start as a UTC
instant); a match with the same end agrees exactly. followup books timed events only, so an
all-day occurrence is counted as its own class, not as a disagreement. followup's
`default_duration` is zero here, so an event without an end is compared as the file gives
it (ical.js: zero length), not as the clinic's protocol would lengthen it.

    python -m benchmarks.compare_icaljs      # or `make compare-icaljs`; npm install if needed
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from benchmarks.bench_calendars import EXPORTS, ROOT, shipped
from followup.calendar.ics import read_ics
from followup.core.errors import SourceError

ICALJS = Path(__file__).resolve().parent / "icaljs"
CLINIC_TZ = "America/New_York"
WINDOW_START = datetime(2000, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2030, 1, 1, tzinfo=UTC)
NODE_TIMEOUT_SECONDS = 60
AGREE = "agree exactly"
_TZID = re.compile(rb';TZID=("[^"]*"|[^;:]*)', re.IGNORECASE)
# followup gives each occurrence of a series the uid "<UID>/<RECURRENCE-ID in UTC>".
_OCCURRENCE_SUFFIX = re.compile(r"/(\d{8}T\d{6}Z)$")

Key = tuple[str, str]  # (UID, start as "YYYY-MM-DDTHH:MM:SSZ")


@dataclass(slots=True)
class FileResult:
    """One file's classified occurrences."""

    path: Path
    classes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    events: dict[str, set[str]] = field(default_factory=dict)

    def add(self, cls: str, example: str) -> None:
        """Count one occurrence; the example starts with its UID, which counts its event."""
        self.classes[cls] += 1
        self.examples.setdefault(cls, example)
        self.events.setdefault(cls, set()).add(example.split(" ", 1)[0])


def main() -> int:
    warnings.simplefilter("ignore")
    node = shutil.which("node")
    if node is None:
        print("node is not installed: the comparison needs Node.js 18 or later")
        return 1
    _install_icaljs()
    files = [*sorted(EXPORTS.glob("*.ics")), *shipped()]
    begun = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        zones = Path(tmp) / "zones.ics"
        zones.write_bytes(_iana_zones(files))
        results = [_compare(path, node, zones) for path in files]
    _report(results, time.monotonic() - begun)
    return 0


def _install_icaljs() -> None:
    """`npm install` the pinned ical.js beside expand.mjs the first time."""
    if (ICALJS / "node_modules" / "ical.js" / "package.json").exists():
        return
    npm = shutil.which("npm") or "npm"
    subprocess.run([npm, "install", "--prefix", str(ICALJS), "--no-audit", "--no-fund"], check=True)


def _iana_zones(files: list[Path]) -> bytes:
    """VTIMEZONEs from tzdata for every TZID in the corpus that is an IANA name.

    ical.js knows only UTC; a client that uses it registers the IANA zones like this.
    Windows and Outlook names are left out: mapping them is followup's own doing.
    """
    names = {CLINIC_TZ}
    for path in files:
        for match in _TZID.finditer(path.read_bytes()):
            names.add(match.group(1).decode("utf-8", "replace").strip('"'))
    calendar = icalendar.Calendar()
    for name in sorted(names):
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        calendar.add_component(
            icalendar.Timezone.from_tzinfo(
                zone, tzid=name, first_date=date(1990, 1, 1), last_date=date(2040, 1, 1)
            )
        )
    # ical.js reads only the first value of an RDATE list (icalendar writes the transitions
    # as one): one RDATE a line, as RFC 5545 also allows, so the zone is the zone.
    lines = calendar.to_ical().decode().replace("\r\n ", "").split("\r\n")
    split = [
        f"RDATE:{value}" if line.startswith("RDATE:") else line
        for line in lines
        for value in (line.removeprefix("RDATE:").split(",") if line.startswith("RDATE:") else [""])
    ]
    return "\r\n".join(split).encode()


def _icaljs(path: Path, node: str, zones: Path) -> dict:
    args = [node, str(ICALJS / "expand.mjs"), str(path), _iso(WINDOW_START), _iso(WINDOW_END)]
    try:
        done = subprocess.run(
            [*args, str(zones), CLINIC_TZ],
            capture_output=True,
            timeout=NODE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"fileError": f"no answer in {NODE_TIMEOUT_SECONDS} s"}
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return {"fileError": f"node exited {done.returncode}: {' '.join(last)}"}
    return json.loads(done.stdout)


def _followup(path: Path) -> tuple[list[dict], dict[str, str], str | None]:
    """followup's timed occurrences, its rejections by UID, and why it refused the file."""
    try:
        read = read_ics(
            path.read_bytes(),
            clinic_tz=ZoneInfo(CLINIC_TZ),
            window_start=WINDOW_START,
            window_end=WINDOW_END,
            default_duration=timedelta(0),
            known_treatments=frozenset({"ketamine"}),
        )
    except SourceError as exc:
        return [], {}, str(exc)
    occurrences = []
    for event in read.events:
        suffix = _OCCURRENCE_SUFFIX.search(event.uid)
        recurrence_id = None
        if suffix is not None:
            recurrence_id = _iso(
                datetime.strptime(suffix.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            )
        occurrences.append(
            {
                "uid": event.uid[: suffix.start()] if suffix else event.uid,
                "start": _iso(event.start),
                "end": _iso(event.end),
                "recurrenceId": recurrence_id,
            }
        )
    rejected = {r.uid: r.reason for r in read.rejected if r.uid is not None}
    return occurrences, rejected, None


def _compare(path: Path, node: str, zones: Path) -> FileResult:
    result = FileResult(path)
    theirs = _icaljs(path, node, zones)
    ours, rejected, refused = _followup(path)
    if theirs.get("fileError"):
        cls = f"ical.js cannot read the file: {_general(theirs['fileError'])}"
        for occ in ours:
            result.add(cls, f"{occ['uid']} {occ['start']}")
        if refused is not None:
            result.add("both refuse the file", f"(file) {refused}")
        return result
    errors = {e["uid"]: e for e in theirs["errors"]}
    orphans = {(o["uid"], o["start"]) for o in theirs["unmatchedOverrides"]}
    timed = []
    for occ in theirs["occurrences"]:
        example = f"{occ['uid']} {occ['start']}"
        if refused is not None:
            result.add(f"followup refuses the file: {_general(refused)}", example)
        elif occ["allDay"]:
            reason = rejected.get(occ["uid"])
            if reason is not None and "all-day" in reason:
                result.add("all-day: followup refuses it, not an infusion", example)
            else:
                result.add(_refusal(reason) if reason else "all-day, missing in followup", example)
        else:
            timed.append(occ)
    only_ours = Counter((o["uid"], o["start"]) for o in ours)
    by_key = {(o["uid"], o["start"]): o for o in ours}
    only_theirs: list[dict] = []
    for occ in timed:
        key = (occ["uid"], occ["start"])
        if only_ours[key] > 0:
            only_ours[key] -= 1
            _judge_match(result, occ, by_key[key])
        else:
            only_theirs.append(occ)
    extra = [by_key[k] for k, n in only_ours.items() for _ in range(n)]
    for theirs, twin in _pairs(only_theirs, extra):
        example = f"{theirs['uid']} {theirs['start']}"
        result.add(_flagged(theirs) or "different start", f"{example}, followup {twin['start']}")
    for occ in only_theirs:
        example = f"{occ['uid']} {occ['start']}"
        if (occ["uid"], occ["start"]) in by_key and not _flagged(occ):
            cls = "ical.js gives one occurrence twice (two equal RRULEs, or a UID twice)"
            result.add(cls, example)
        elif occ["uid"] in rejected:
            result.add(_refusal(rejected[occ["uid"]]), example)
        else:
            result.add(_flagged(occ) or "missing in followup", example)
    for occ in extra:
        example = f"{occ['uid']} {occ['start']}"
        error = errors.get(occ["uid"])
        if (occ["uid"], occ["start"]) in orphans:
            cls = "extra in followup: override matching no occurrence (booked on purpose, README)"
        elif occ["uid"] in theirs["multipleRrules"]:
            cls = "ical.js stops at the end of the shortest of several RRULEs"
        elif error is not None and error.get("capped"):
            cls = "ical.js gives up expanding the rule (200,000 steps)"
        elif error is not None:
            cls = f"ical.js throws: {_general(error['error'])}"
        else:
            cls = "extra in followup"
        result.add(cls, example)
    return result


def _judge_match(result: FileResult, theirs: dict, ours: dict) -> None:
    example = f"{theirs['uid']} {theirs['start']}"
    if theirs["unknownTzids"]:  # ical.js read it as floating: a match would be luck
        result.add(_flagged(theirs) or "", example)
    elif theirs["end"] == ours["end"]:
        result.add(AGREE, example)
    elif theirs["zonelessEnd"]:
        cls = "different end: zoneless DTEND beside zoned DTSTART, ical.js reads it as UTC"
        result.add(cls, f"{example}: ical.js {theirs['end']}, followup {ours['end']}")
    else:
        result.add("different end", f"{example}: ical.js {theirs['end']}, followup {ours['end']}")


def _flagged(theirs: dict) -> str | None:
    """A class that makes ical.js's reading of the occurrence no reading at all."""
    if theirs["outsideRule"]:
        return "ical.js error: an instance its rule excludes (BYMONTHDAY=30 in February)"
    if theirs["unknownTzids"]:
        return "TZID ical.js does not know (no VTIMEZONE, not an IANA name)"
    if theirs["beforeZone"]:
        return "the file's VTIMEZONE does not cover the date (starts later)"
    if theirs["afterZone"]:
        return "the file's VTIMEZONE ends before the date: ical.js keeps its last offset"
    if theirs["skippedOnset"]:
        return "the file's VTIMEZONE has onsets in DTSTART and RDATE: ical.js skips DTSTART's"
    if theirs["rdateList"]:
        return "the file's VTIMEZONE lists RDATEs on one line: ical.js reads the first only"
    return None


def _pairs(theirs: list[dict], ours: list[dict]) -> list[tuple[dict, dict]]:
    """Take out the occurrences both have at different starts: same RECURRENCE-ID, else the
    same UID with as many on each side, in order. What is left is missing or extra.
    """
    pairs = []
    for occ in list(theirs):
        if occ["recurrenceId"] is None:
            continue
        twin = next(
            (o for o in ours if (o["uid"], o["recurrenceId"]) == (occ["uid"], occ["recurrenceId"])),
            None,
        )
        if twin is not None:
            pairs.append((occ, twin))
            theirs.remove(occ)
            ours.remove(twin)
    for uid in {o["uid"] for o in theirs}:
        left = sorted((o for o in theirs if o["uid"] == uid), key=lambda o: o["start"])
        right = sorted((o for o in ours if o["uid"] == uid), key=lambda o: o["start"])
        if len(left) == len(right):
            pairs.extend(zip(left, right, strict=True))
            for a, b in zip(left, right, strict=True):
                theirs.remove(a)
                ours.remove(b)
    return pairs


def _refusal(reason: str) -> str:
    return f"followup refuses with a reason: {_general(reason)}"


def _general(text: str) -> str:
    """A reason without its particulars (quoted names, line numbers), so like counts with like."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"\bline \d+", "line N", text)
    return text[:110]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _report(results: list[FileResult], seconds: float) -> None:
    totals: Counter[str] = Counter()
    events: Counter[str] = Counter()
    examples: dict[str, str] = {}
    exact = empty = 0
    for res in results:
        totals.update(res.classes)
        events.update({cls: len(uids) for cls, uids in res.events.items()})
        for cls, example in res.examples.items():
            examples.setdefault(cls, f"{res.path.name}: {example}")
        agreed = res.classes[AGREE]
        rest = sum(res.classes.values()) - agreed
        if not res.classes:
            empty += 1
        elif rest == 0:
            exact += 1
        print(f"{agreed:5d} agree, {rest:5d} other  {_short(res.path)}")
        for cls, count in sorted(res.classes.items()):
            if cls != AGREE:
                print(f"{'':14}{count:5d}  {cls}")
    occurrences = sum(totals.values())
    print(
        f"\n{len(results)} files, window {WINDOW_START:%Y-%m-%d}..{WINDOW_END:%Y-%m-%d} UTC, "
        f"{seconds:.0f} s: {exact} agree exactly on every occurrence, {empty} have none in "
        f"the window on either side, {len(results) - exact - empty} differ somewhere"
    )
    # A runaway rule makes thousands of occurrences of one event: both counts are given.
    print(f"{occurrences} occurrences of {sum(events.values())} events (UIDs in a file):")
    print("  occurrences  events  class")
    for cls, count in totals.most_common():
        print(f"  {count:11d}  {events[cls]:6d}  {cls}\n{'':23}e.g. {examples[cls]}")


def _short(path: Path) -> str:
    parts = path.parts
    for anchor in ("site-packages", "tests"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) + (anchor == "site-packages") :])
    return str(path.relative_to(ROOT))


if __name__ == "__main__":
    sys.exit(main())
