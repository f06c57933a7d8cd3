"""A part's revisions, each diffed against the one before it and against the file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from followup.db.models import TemplateRevision
from followup.messages.revisions import PartKey
from followup.protocol import Protocol
from followup.web.template_editor.parts import local


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a unified diff and how to show it (add, remove, hunk or context)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A revision with its diffs against the one before it and against the file."""

    revision: TemplateRevision
    at: str
    current: bool
    against_previous: list[DiffLine]
    against_file: list[DiffLine]


def history_rows(
    revisions: list[TemplateRevision], file_default: str, key: PartKey, protocol: Protocol
) -> list[HistoryRow]:
    """Newest first; each diffed against the text in effect before it and against the file."""
    rows = []
    for index, revision in enumerate(revisions):
        older = revisions[index + 1] if index + 1 < len(revisions) else None
        before = older.body if older is not None and older.body is not None else file_default
        after = revision.body if revision.body is not None else file_default
        before_name = f"revision {older.id}" if older and older.body is not None else "file"
        rows.append(
            HistoryRow(
                revision=revision,
                at=local(revision.created_at, protocol),
                current=index == 0 and revision.body is not None,
                against_previous=diff(before, after, before_name, f"revision {revision.id}"),
                against_file=diff(file_default, after, key.name, f"revision {revision.id}"),
            )
        )
    return rows


def diff(before: str, after: str, before_name: str, after_name: str) -> list[DiffLine]:
    """A unified diff as lines to show; the page escapes them like any other text."""
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), before_name, after_name, lineterm=""
    )
    out = []
    for line in lines:
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "remove"
        else:
            kind = "same"
        out.append(DiffLine(kind, line))
    return out
