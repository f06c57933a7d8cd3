"""Which locations a staff member sees: theirs, or every one ("*", a network admin).

A record belongs to a location by its key; a key the protocol does not define (rows from
before the network, "main") belongs to the first location, as `Protocol.location_key`
reads it. `clause` says the same in SQL, so lists filter in the query, not after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, true

from followup.protocol import Protocol

EVERY = "*"


def parse_locations(stored: str) -> frozenset[str] | None:
    """The stored "omaha,london" as keys; "*" (or nothing) as None: every location."""
    keys = frozenset(part.strip() for part in stored.split(",") if part.strip())
    return None if not keys or EVERY in keys else keys


def store_locations(keys: frozenset[str] | None) -> str:
    """Keys as `staff_user.locations` keeps them."""
    return EVERY if keys is None else ",".join(sorted(keys))


@dataclass(frozen=True, slots=True)
class Scope:
    """The locations a person sees; None: all of them."""

    locations: frozenset[str] | None = None

    @property
    def everywhere(self) -> bool:
        return self.locations is None

    def allows(self, protocol: Protocol, key: str | None) -> bool:
        """Whether a record of this location (as stored) is theirs to see."""
        return self.locations is None or protocol.location_key(key) in self.locations

    def clause(self, protocol: Protocol, column: object) -> ColumnElement[bool]:
        """SQL for "this column's location is theirs to see" (a mapped attribute or a Core
        column: both compare the same way)."""
        if self.locations is None:
            return true()
        keys = sorted(self.locations)
        allowed: ColumnElement[bool] = column.in_(keys)  # type: ignore[attr-defined]
        if protocol.location_keys[0] in self.locations:
            # Rows of no known location are the first location's.
            unknown = or_(
                column.is_(None),  # type: ignore[attr-defined]
                column.notin_(list(protocol.location_keys)),  # type: ignore[attr-defined]
            )
            allowed = or_(allowed, unknown)
        return allowed


def visible_or_all(visible: ColumnElement[bool] | None) -> ColumnElement[bool]:
    """A scope's clause, or "everything" when the caller gave none (CLI, operators)."""
    return true() if visible is None else visible
