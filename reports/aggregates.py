"""PERCENTILE_CONT that gives the same answer on PostgreSQL and on SQLite.

PostgreSQL has it built in (ordered-set aggregate); SQLite gets a Python aggregate of the
same definition, registered on every new SQLite connection (see ReportsConfig.ready).
"""

import math
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, FloatField
from django.db.models.sql.compiler import SQLCompiler


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the two nearest ranks, as PostgreSQL defines it."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (position - lower) * (ordered[upper] - ordered[lower])


class _SqlitePercentileCont:
    """sqlite3 aggregate: percentile_cont(value, fraction); NULL values are ignored."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: Any, fraction: float) -> None:
        self.fraction = float(fraction)
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.fraction)


def register_sqlite_functions(connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created receiver: teach SQLite percentile_cont."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("percentile_cont", 2, _SqlitePercentileCont)


class Percentile(Aggregate):
    """Percentile(expression, 0.5) -> the median, computed by the database."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile fraction is between 0 and 1.")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="%(function)s(%(expressions)s, %(fraction)s)",
            **extra_context,
        )


__all__ = ["Percentile", "percentile_cont", "register_sqlite_functions"]
