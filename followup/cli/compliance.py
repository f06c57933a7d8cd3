"""`followup compliance kit | check | consent`: going live in the US."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from followup.cli.common import compliance_app, database, err, friendly, out, setup
from followup.cli.templates import renderer_with_edits
from followup.db.engine import make_engine


@compliance_app.command("kit")
@friendly
def kit_command(
    output: Annotated[
        Path | None,
        typer.Option("--out", help="Write the kit to this file (Markdown) instead of stdout."),
    ] = None,
) -> None:
    """Write what to paste into Twilio's campaign or toll-free verification form.

    The brand, the campaign description, the message flow with the opt-in page's address,
    5 sample messages rendered from the clinic's templates, the HELP and STOP answers,
    the frequency, and whether messages carry links or phone numbers. Exits 1, naming
    each reason, when the texts break a carrier rule (the kit is still written).
    """
    from followup.compliance.gather import kit_facts
    from followup.compliance.kit import kit_problems, render_kit

    settings, protocol = setup(require_current_db=False)
    engine = make_engine(settings.database_url)
    try:
        renderer = renderer_with_edits(settings, engine)
        facts = kit_facts(renderer, protocol, settings.public_url, settings.twilio_from_number)
    finally:
        engine.dispose()
    text = render_kit(facts)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"registration kit written to {output}", markup=False)
    problems = kit_problems(facts)
    for problem in problems:
        err.print(f"not ready: {problem}", markup=False)
    if problems:
        raise typer.Exit(1)


@compliance_app.command("check")
@friendly
def check_command() -> None:
    """Check the clinic's texts against the carriers' rules; exit 1 naming each problem.

    The opt-in disclosure, START's confirmation, HELP and STOP must state what carriers
    require; no message may name a drug or use a link shortener; a message that can be
    the first of a series must say how to opt out.
    """
    from followup.compliance.texts import check_compliance

    settings, protocol = setup(require_current_db=False)
    engine = make_engine(settings.database_url)
    try:
        problems = check_compliance(renderer_with_edits(settings, engine), protocol)
    finally:
        engine.dispose()
    for problem in problems:
        out.print(problem, markup=False)
    if problems:
        raise typer.Exit(1)
    out.print("the texts pass every carrier rule followup checks")


@compliance_app.command("consent")
@friendly
def consent_command(
    patient: Annotated[
        list[str] | None, typer.Option("--patient", help="Only this patient id (repeatable).")
    ] = None,
) -> None:
    """Every consent record as CSV (oldest first): who, which channel, given or revoked,
    when, how, and the exact disclosure text shown."""
    from followup.consent.export import consent_csv, consent_rows

    with database() as (_settings, _protocol, engine):
        sys.stdout.write(consent_csv(consent_rows(engine, patient)))
