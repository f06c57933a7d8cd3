"""`python -m followup` runs the command line."""

from __future__ import annotations

from followup.cli import main

main()
