"""Shared fixtures of the solver tests: document factories and a parsed-problem factory.

The builders live in `tests/solver/docs.py` (importable as plain functions, e.g. from
hypothesis strategies); the fixtures here hand out the same callables, flaskr-style.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from solver.domain import Problem
from solver.parse import parse_problem
from tests.solver import docs


@pytest.fixture
def make_doc() -> Callable[..., dict]:
    """``make_doc(**overrides)``: a small valid problem document (see `docs.make_doc`)."""
    return docs.make_doc


@pytest.fixture
def make_volunteer() -> Callable[..., dict]:
    """``make_volunteer(id="v1", **fields)``: a volunteer entry."""
    return docs.make_volunteer


@pytest.fixture
def make_shift() -> Callable[..., dict]:
    """``make_shift(id="s1", start, end, *, activity, roles, **fields)``: a shift entry."""
    return docs.make_shift


@pytest.fixture
def make_role() -> Callable[..., dict]:
    """``make_role(role="helper", need=1, **fields)``: a role entry."""
    return docs.make_role


@pytest.fixture
def make_problem() -> Callable[..., Problem]:
    """``make_problem(**overrides)``: `parse_problem(make_doc(**overrides))`."""
    def build(**overrides: Any) -> Problem:
        return parse_problem(docs.make_doc(**overrides))
    return build
