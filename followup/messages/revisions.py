"""Staff edits of message templates, kept as revisions in the database.

Each save, rollback and reset appends a `TemplateRevision`; nothing is updated or deleted,
so the history is the audit trail of what patients were sent. The newest revision of a
(template, language, part) is what renders, unless its body is None: a reset, meaning
"the file default again". Every change is audited in the same transaction.

`RevisionSource` is the `overrides` callable the one Renderer takes (see render.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from followup.core.errors import FollowupError
from followup.db.engine import make_engine
from followup.db.models import TemplateRevision
from followup.messages.render import FILE_CHECK_SECONDS, Renderer
from followup.staff import audit


class RevisionError(FollowupError):
    """The template revision request was refused."""


@dataclass(frozen=True, slots=True)
class PartKey:
    """One editable file: `<language>/<template>/<part>.j2` under the templates folder."""

    template: str
    language: str
    part: str

    @property
    def name(self) -> str:
        """The Jinja2 loader name, as the Renderer and its errors spell it."""
        return f"{self.language}/{self.template}/{self.part}.j2"


def key_of(revision: TemplateRevision) -> PartKey:
    return PartKey(revision.template, revision.language, revision.part)


def newest_revisions(session: Session) -> dict[PartKey, TemplateRevision]:
    """The newest revision of every part ever edited, resets included."""
    newest = (
        select(func.max(TemplateRevision.id))
        .group_by(
            col(TemplateRevision.template),
            col(TemplateRevision.language),
            col(TemplateRevision.part),
        )
        .scalar_subquery()
    )
    rows = session.exec(select(TemplateRevision).where(col(TemplateRevision.id).in_(newest)))
    return {key_of(row): row for row in rows}


def current_overrides(session: Session) -> dict[str, str]:
    """{loader name: body} for every part whose newest revision is not a reset."""
    return {
        key.name: row.body for key, row in newest_revisions(session).items() if row.body is not None
    }


# Bumped by every revision this process saves, so its own Renderers see the edit at once.
_saved_here = [0]


class RevisionSource:
    """The Renderer's `overrides`: the current edits, re-read only when the table changed.

    The Renderer asks on every template lookup. Whether the table changed (its highest id
    and row count) is asked at most every `max_age` seconds, and at once after a save in
    this process; the edits themselves are re-read only when that changes. Revisions are
    only ever added, so any commit changes the count. Another process's edit is seen within
    `max_age`.

    The query runs on a connection of its own, outside the caller's pool: the Renderer is
    called inside callers' transactions (a webhook, a dispatch batch), and a second checkout
    from a pool whose every connection is held by such callers would wait forever.

    A database error propagates: a message must not go out with the file's text when an
    edit may say otherwise; the dispatcher leaves it claimed and it is tried again.
    """

    def __init__(
        self, engine: Engine, max_age: float = 2.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.engine = engine
        self.max_age = max_age
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._own: Engine | None = None
        self._seen: tuple[int | None, int] | None = None
        self._checked = (-1, float("-inf"))  # (saves in this process, monotonic time)
        self._overrides: dict[str, str] = {}

    def __call__(self) -> Mapping[str, str]:
        with self._lock:
            saves, at = self._checked
            if saves == _saved_here[0] and self._monotonic() - at < self.max_age:
                return self._overrides
            checked = (_saved_here[0], self._monotonic())
            with Session(self._connection_source()) as session:
                seen = session.exec(
                    select(func.max(TemplateRevision.id), func.count()).select_from(
                        TemplateRevision
                    )
                ).one()
                if (seen[0], seen[1]) != self._seen:
                    self._overrides = current_overrides(session)
                    self._seen = (seen[0], seen[1])
            self._checked = checked
            return self._overrides

    def known(self) -> Mapping[str, str]:
        """The edits as last read (none, if never), without asking the database: for the
        answers a web process gives from memory while it is unreachable."""
        return self._overrides

    def _connection_source(self) -> Engine:
        if self._own is None:
            url = self.engine.url.render_as_string(hide_password=False)
            self._own = make_engine(url, poolclass=NullPool)
        return self._own


def service_renderer(templates_dir: Path, engine: Engine) -> Renderer:
    """The Renderer of a running worker or web: staff edits applied, files re-checked every
    FILE_CHECK_SECONDS rather than on every render."""
    return Renderer(
        templates_dir, overrides=RevisionSource(engine), file_check_seconds=FILE_CHECK_SECONDS
    )


def latest(session: Session, key: PartKey) -> TemplateRevision | None:
    """The newest revision of one part (possibly a reset), or None if never edited."""
    return session.exec(
        select(TemplateRevision)
        .where(
            TemplateRevision.template == key.template,
            TemplateRevision.language == key.language,
            TemplateRevision.part == key.part,
        )
        .order_by(col(TemplateRevision.id).desc())
        .limit(1)
    ).first()


def history(engine: Engine, key: PartKey) -> list[TemplateRevision]:
    """Every revision of one part, newest first."""
    with Session(engine, expire_on_commit=False) as session:
        return list(
            session.exec(
                select(TemplateRevision)
                .where(
                    TemplateRevision.template == key.template,
                    TemplateRevision.language == key.language,
                    TemplateRevision.part == key.part,
                )
                .order_by(col(TemplateRevision.id).desc())
            )
        )


def normalise_body(body: str) -> str:
    """Browsers post textareas with CRLF; store LF and one final newline, as the files have."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n" if text.strip() else text


def save_revision(
    engine: Engine,
    key: PartKey,
    body: str,
    author: str,
    now: datetime,
    *,
    check_latest: bool = False,
    expected_latest: int | None = None,
) -> TemplateRevision:
    """Store an edit (already checked by the caller) as the part's newest revision.

    With `check_latest`, the save is refused when the part's newest revision is no longer
    `expected_latest` (what the editor showed; None for none): someone else saved since,
    and their change would be silently overwritten.
    """
    expected = (expected_latest,) if check_latest else None
    return _append(engine, key, normalise_body(body), author, now, "template.save", expected)


def rollback(
    engine: Engine, key: PartKey, revision_id: int, author: str, now: datetime
) -> TemplateRevision:
    """Make an earlier revision's text current again, as a new revision (history is kept)."""
    with Session(engine) as session:
        target = session.get(TemplateRevision, revision_id)
        if target is None or key_of(target) != key:
            raise RevisionError(f"{key.name} has no revision {revision_id}")
        body = target.body
    return _append(
        engine, key, body, author, now, "template.rollback", None, {"to_revision": revision_id}
    )


def reset(engine: Engine, key: PartKey, author: str, now: datetime) -> TemplateRevision:
    """Go back to the file default: a revision with no body."""
    return _append(engine, key, None, author, now, "template.reset", None)


def _append(
    engine: Engine,
    key: PartKey,
    body: str | None,
    author: str,
    now: datetime,
    action: str,
    expected: tuple[int | None] | None,
    extra: dict[str, Any] | None = None,
) -> TemplateRevision:
    """Add one revision and its audit event in one transaction."""
    with Session(engine, expire_on_commit=False) as session:
        before = latest(session, key)
        if expected is not None and (before.id if before else None) != expected[0]:
            who = f"{before.author} at {before.created_at:%Y-%m-%d %H:%M} UTC" if before else ""
            raise RevisionError(
                f"{key.name} was changed by {who} since you opened it; "
                "reload to see that change, then edit again"
            )
        revision = TemplateRevision(
            template=key.template,
            language=key.language,
            part=key.part,
            body=body,
            author=author,
            created_at=now,
        )
        session.add(revision)
        session.flush()
        audit(
            session,
            author,
            action,
            "template_revision",
            revision.id,
            _state(key, before),
            {**_state(key, revision), **(extra or {})},
            now,
        )
        session.commit()
        _saved_here[0] += 1
        return revision


def _state(key: PartKey, revision: TemplateRevision | None) -> dict[str, Any]:
    """What a part rendered from, for the audit log: body None is the file default."""
    body = revision.body if revision is not None else None
    return {
        "name": key.name,
        "revision": revision.id if revision is not None else None,
        "file_default": body is None,
        "body": body,
    }
