"""`followup triage check`: score triage on labelled messages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# Paragraphs on one line each: the help reflows them to the terminal's width.
from followup.cli.common import (
    err,
    friendly,
    out,
    triage_app,
)
from followup.core.errors import FollowupError


@triage_app.command("check")
@friendly
def triage_check(
    files: Annotated[
        list[Path],
        typer.Argument(help="Labelled files: one message a line, 'label<TAB>text'."),
    ],
    min_recall: Annotated[
        float, typer.Option(help="Exit 1 below this crisis or medical recall (0 to 1).")
    ] = 1.0,
    max_false_alarms: Annotated[
        float, typer.Option(help="Exit 1 above this share of false alarms (0 to 1).")
    ] = 0.05,
) -> None:
    """Score triage on labelled messages: recall and false alarms per label, every miss.

    Labels: crisis, medical (an emergency), urgent, review, ordinary. Lines starting with
    "#" are comments. The output quotes the messages: use it on test sets, not on replies.
    """
    from followup.replies.triage.check import ALARMS, LABELS, false_alarm_rate, parse, report
    from followup.replies.triage.check import score as score_all

    messages = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise FollowupError(f"{path}: cannot read it ({exc.strerror})") from None
        except UnicodeDecodeError as exc:
            raise FollowupError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        messages += parse(lines, str(path))
    if not messages:
        raise FollowupError(f"no labelled lines in {', '.join(map(str, files))}")
    scores = score_all(messages)
    for line in report(scores):
        out.print(line, markup=False)
    low = [
        s.label
        for s in scores.values()
        if LABELS[s.label] in ALARMS and s.total and s.recall < min_recall
    ]
    noisy = false_alarm_rate(scores) > max_false_alarms
    if low or noisy:
        why = [f"{label} recall below {min_recall:.0%}" for label in low]
        why += [f"false alarms above {max_false_alarms:.0%}"] if noisy else []
        err.print(f"triage check failed: {'; '.join(why)}", markup=False)
        raise typer.Exit(1)
