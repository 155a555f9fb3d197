"""`solver.search`: a proving search whose proof is out of reach searches on for schedules.

Every schedule returned is validated by the independent checker (`engine_helpers`).
"""

from __future__ import annotations

import math

import pytest

import solver.search
from solver.search import proof_out_of_reach
from tests.solver.engine_helpers import solved
from tests.solver.test_engine import community_week


def test_a_proof_is_out_of_reach_only_with_a_wide_gap_between_known_values():
    assert proof_out_of_reach(2173, -117)      # Curtois 9 after 15 s of 60, in document units
    assert not proof_out_of_reach(10022, 8800.5)  # a community week at its probe (12%)
    assert not proof_out_of_reach(7084, 7084)
    assert not proof_out_of_reach(math.inf, 10)   # no schedule yet
    assert not proof_out_of_reach(500, -math.inf)  # no bound yet
    assert proof_out_of_reach(2, -10)           # around zero the larger size decides
    assert not proof_out_of_reach(0.4, 0)       # ... and at least one unit


def test_a_search_that_gives_up_its_proof_still_reaches_the_optimum(monkeypatch):
    p = community_week(volunteers=16, days=4)
    optimum = solved(p, workers=1, time_limit=30)
    monkeypatch.setattr(solver.search, "MIN_PROBE_SECONDS", 0.0)
    monkeypatch.setattr(solver.search, "PROOF_PROBE_SHARE", 0.0)
    monkeypatch.setattr(solver.search, "proof_out_of_reach",
                        lambda objective, bound: math.isfinite(objective) and math.isfinite(bound))
    switched = solved(p, workers=2, status=None, time_limit=30)
    search = switched.stats["cp_sat"][0]
    assert search["proof_abandoned"] > 0 and search["proving"]["cp_sat_status"] == "FEASIBLE"
    assert switched.objective == pytest.approx(optimum.objective)


def test_a_community_week_keeps_its_proving_search(monkeypatch):
    sol = solved(community_week(volunteers=16, days=4), workers=2, time_limit=30)
    assert "proof_abandoned" not in sol.stats["cp_sat"][0]
