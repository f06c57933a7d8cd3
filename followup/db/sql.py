"""SQL functions written once for both databases: the clock, LEAST, GREATEST and FLOOR.

SQLite has no LEAST or GREATEST (its many-argument MIN and MAX are the same thing), FLOOR
only when built with its math functions, and no clock in seconds; PostgreSQL has them
all. Each function here compiles to what the database at hand understands; the names
are lower case, as SQLAlchemy names its own SQL functions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float, Integer


class epoch_now(FunctionElement[float]):
    """Seconds since 1970 by the database's clock, one value for the whole statement."""

    type = Float()
    inherit_cache = True


class least(FunctionElement[Any]):
    """The smallest of its arguments."""

    inherit_cache = True


class greatest(FunctionElement[Any]):
    """The largest of its arguments."""

    inherit_cache = True


class floor_int(FunctionElement[int]):
    """The largest whole number not above a value that is never negative."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_now, "postgresql")
def _epoch_now_postgresql(element: epoch_now, compiler: SQLCompiler, **kw: Any) -> str:
    # statement_timestamp(), not clock_timestamp(): the same instant wherever it appears.
    return "CAST(EXTRACT(EPOCH FROM statement_timestamp()) AS DOUBLE PRECISION)"


@compiles(epoch_now, "sqlite")
def _epoch_now_sqlite(element: epoch_now, compiler: SQLCompiler, **kw: Any) -> str:
    # 'now' is fixed for the whole statement; Julian day 2440587.5 is 1970-01-01 00:00 UTC.
    return "((julianday('now') - 2440587.5) * 86400.0)"


@compiles(least)
def _least(element: least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element: least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"MIN({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"MAX({compiler.process(element.clauses, **kw)})"


@compiles(floor_int)
def _floor_int(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    # A bare CAST would round on PostgreSQL: 2.6 tokens must be 2 messages, not 3.
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(floor_int, "sqlite")
def _floor_int_sqlite(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's CAST truncates toward zero, which is the floor of a value never below zero.
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"
