"""Integer scaling of the objective: CP-SAT minimises integers, the document's weights are floats.

Every coefficient of the model's objective is a rational combination of the document's
numbers (role weights, `weights.*`, history minutes, shift lengths). `ObjectiveScale` picks
the smallest integer factor that makes all of them integral, so that the model's objective
is *exactly* the document's objective times the factor: a proven optimum of the model is a
proven optimum of the document and the model's bound maps back to a valid bound. When the
numbers need a factor too large to be safe (say weights like 0.1234567), the coefficients
are rounded and `error_per_unit` keeps track of how far the model may be off, so the bound
can be lowered by that much and stays valid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Iterable

#: Largest scale factor used when the coefficients are exact rationals.
MAX_FACTOR = 10**7
#: Denominators tried when reading a float as a rational.
MAX_DENOMINATOR = 10**6
#: The factor used when no exact one is small enough.
FALLBACK_FACTOR = 10**4


@lru_cache(maxsize=4096)
def as_fraction(x: float | int | Fraction) -> tuple[Fraction, bool]:
    """`x` as a short rational, and whether that rational equals `x` (to 1e-12 relative).

    Cached: a model reads the same few weights thousands of times (one per role and shift),
    and `Fraction.limit_denominator` is slow."""
    if isinstance(x, (int, Fraction)):
        return Fraction(x), True
    f = Fraction(x).limit_denominator(MAX_DENOMINATOR)
    return f, abs(float(f) - x) <= 1e-12 * max(1.0, abs(x))


@dataclass
class ObjectiveScale:
    """The factor between the model's integer objective and the document's objective."""

    factor: int
    exact: bool
    #: Accumulated worst-case |model - document| in document units (0 when `exact`).
    error: float = field(default=0.0)

    @classmethod
    def for_coefficients(cls, values: Iterable[float | Fraction]) -> "ObjectiveScale":
        """The smallest factor making every value integral, or a rounding fallback."""
        factor, exact = 1, True
        for value in values:
            frac, ok = as_fraction(value)
            exact = exact and ok
            factor = math.lcm(factor, frac.denominator)
            if factor > MAX_FACTOR:
                exact = False
        if not exact:
            return cls(FALLBACK_FACTOR, False)
        return cls(factor, True)

    def integer(self, value: float | Fraction, *, times: float = 1.0) -> int:
        """`value` times the factor as an integer; rounding error is charged `times` fold."""
        if isinstance(value, Fraction) and self.exact:
            scaled = value * self.factor
            if scaled.denominator == 1:
                return int(scaled)
        scaled_f = float(value) * self.factor
        result = round(scaled_f)
        if self.exact and abs(result - scaled_f) > 1e-6 * max(1.0, abs(scaled_f)):
            self.exact = False  # a value outside the set this scale was chosen for
        self.error += abs(result - scaled_f) * abs(times) / self.factor
        return result

    def to_document(self, model_value: float) -> float:
        """A model objective value in document units."""
        return model_value / self.factor
