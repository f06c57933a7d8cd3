"""`followup templates check`: render every template with sample data."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import Engine

# Paragraphs on one line each: the help reflows them to the terminal's width.
from followup.cli.common import (
    err,
    friendly,
    out,
    setup,
    templates_app,
)
from followup.db.engine import make_engine
from followup.db.migrate import DatabaseNotReady, require_current
from followup.messages.render import Renderer
from followup.settings import Settings


@templates_app.command("check")
@friendly
def templates_check() -> None:
    """Render every template the protocol uses with sample data; list each problem."""
    from followup.messages.check import check_templates, sms_sizes

    settings, protocol = setup(require_current_db=False)
    engine = make_engine(settings.database_url)
    try:
        renderer = renderer_with_edits(settings, engine)
        problems = check_templates(settings.templates_dir, protocol, renderer)
        for problem in problems:
            out.print(problem, markup=False)
        if problems:
            raise typer.Exit(1)
        for path, size in sms_sizes(settings.templates_dir, protocol, renderer):
            chars = f"{size.characters} {'septets' if size.encoding == 'GSM-7' else 'UTF-16 units'}"
            edited = " (web edit)" if renderer.overridden(_loader_name(settings, path)) else ""
            out.print(
                f"{path}: {size.segments} segment(s), {size.encoding}, {chars}{edited}",
                markup=False,
            )
    finally:
        engine.dispose()
    out.print(f"templates in {settings.templates_dir} render cleanly")


def renderer_with_edits(settings: Settings, engine: Engine) -> Renderer:
    """The worker's renderer: the files with staff edits, when the database can say."""
    from followup.messages.revisions import RevisionSource

    try:
        require_current(settings.database_url)
    except DatabaseNotReady as exc:
        # A database that is missing or not upgraded holds no edits the worker would send.
        err.print(
            f"note: {exc}; checking the files only, without edits made on the web",
            markup=False,
        )
        return Renderer(settings.templates_dir)
    return Renderer(settings.templates_dir, overrides=RevisionSource(engine))


def _loader_name(settings: Settings, path: Path) -> str:
    return path.relative_to(settings.templates_dir).as_posix()
