"""Path parameters every route shares, range-checked before any handler sees them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# Row ids are INTEGER columns: PostgreSQL's hold up to 2**31 - 1. A larger number in a
# path is refused as a 422 by validation, never met as a 500 by the database.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row's id.")]
