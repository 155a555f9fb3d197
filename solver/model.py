"""The CP-SAT model of a schedule problem: variables, helpers, and the composition of the rules.

One Boolean ``x[v, s, r]`` per candidate triple (`solver.eligibility`), one literal
``assigned[v, s]`` per candidate (volunteer, shift) pair (the sum of its roles: the rule that
a volunteer takes at most one role in a shift is built into it), and lazily created
"works on day d" literals for the day-run rules. Each business rule is a small function in
`solver.rules` that adds its constraints or costs to a `ScheduleModel`; `build_model` runs them
under the headings "hard" and "soft".

When `guarded` is set, every group of hard constraints that a conflict can be blamed on (a
fixed assignment, one volunteer's limit, a role's max, a supervision rule) is enforced by its
own literal (`ScheduleModel.guards`), so that `solver.conflicts` can solve under assumptions
and name the groups that cannot hold together.

Every auxiliary variable is registered with a function that computes its value from the
assignment (`derive`), so that a greedy schedule becomes a *complete* solution hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable, Mapping, Optional, Sequence, Union

from ortools.sat.python import cp_model

from solver.domain import Assignment, Problem
from solver.eligibility import Eligibility
from solver.scaling import ObjectiveScale

#: A literal of the model, or a Python bool standing for a constant.
Lit = Union[cp_model.IntVar, "cp_model.NotBooleanVariable", bool]
#: Reads the hinted value (0/1 or an integer) of a literal or variable.
ValueOf = Callable[[Lit], int]


@dataclass(frozen=True)
class Guard:
    """A group of hard constraints that the conflict search may switch off, and what it is.

    `kind` is a rule name (``fixed``, ``role_max``, ``max_shifts``, ``min_minutes``,
    ``supervision``, ...); `volunteer`, `shift` and `role` are indexes; `detail` tells
    groups of one kind apart (the activity of ``max_shifts_per_activity``, the index of a
    supervision rule or of a fixed entry).
    """

    kind: str
    volunteer: Optional[int] = None
    shift: Optional[int] = None
    role: Optional[int] = None
    detail: Union[str, int, None] = None


@dataclass(frozen=True)
class LoadCost:
    """A volunteer's fairness variable and its exact scaled value at each load.

    The load is counted in steps of `step` minutes (the gcd of the volunteer's shift
    lengths); `by_steps[k]` is the cost at load k, for k up to the largest reachable load.
    """

    var: cp_model.IntVar
    step: int
    by_steps: tuple[int, ...]

    def at(self, minutes: int) -> int:
        """The scaled cost of a load of `minutes` (capped at the largest load counted)."""
        return self.by_steps[min(len(self.by_steps) - 1, minutes // self.step)]


class ScheduleModel:
    """A CP-SAT model under construction, with the variables the rules share."""

    def __init__(self, problem: Problem, eligibility: Eligibility, scale: ObjectiveScale,
                 *, guarded: bool = False, count_changes: Optional[bool] = None) -> None:
        self.problem = problem
        #: Whether assignments are changes against a previous plan (`solver.decompose`).
        self.count_changes = bool(problem.previous) if count_changes is None else count_changes
        self.elig = eligibility
        self.scale = scale
        self.guarded = guarded
        self.cp = cp_model.CpModel()
        self.cp.name = problem.name or "schedule"
        self.guards: dict[Guard, cp_model.IntVar] = {}
        #: (volunteer, shift, role) -> Boolean.
        self.x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        #: (volunteer, shift) -> literal "the volunteer works the shift" (in some role).
        self.assigned: dict[tuple[int, int], cp_model.IntVar] = {}
        #: Named penalty variables (``unfilled[s042/instructor]``) for reports.
        self.penalties: dict[str, cp_model.IntVar] = {}
        self.cost_vars: list[cp_model.IntVar] = []
        self.cost_coefs: list[int] = []
        self.cost_constant = 0
        self._derived: list[tuple[cp_model.IntVar, Callable[[ValueOf], int]]] = []
        self._works: dict[tuple[int, int], Lit] = {}
        self._day_shifts: dict[tuple[int, int], list[int]] = {}
        self._role_vars: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        #: volunteer -> its fairness cost: the variable, and its scaled value per load step.
        self.load_costs: dict[int, LoadCost] = {}
        self.volunteer_index = {v.id: i for i, v in enumerate(problem.volunteers)}
        self.shift_index = {s.id: i for i, s in enumerate(problem.shifts)}
        self._create_assignment_vars()

    # --- variables -------------------------------------------------------------------------

    def _create_assignment_vars(self) -> None:
        """``x`` per candidate triple and ``assigned`` per pair; one role per shift at most."""
        cp = self.cp
        for (v, s), roles in self.elig.roles.items():
            xs = []
            for r in roles:
                var = cp.new_bool_var("")
                self.x[(v, s, r)] = var
                self._role_vars.setdefault((s, r), []).append(var)
                xs.append(var)
            if len(xs) == 1:
                self.assigned[(v, s)] = xs[0]
            else:
                a = cp.new_bool_var("")
                cp.add(cp_model.LinearExpr.sum(xs) == a)  # at most one role, a = "works it"
                self.assigned[(v, s)] = a
                self.derive(a, lambda val, xs=xs: max(val(x) for x in xs))
            self._day_shifts.setdefault((v, self.problem.shifts[s].day), []).append(s)

    def role_vars(self, s: int, r: int) -> list[cp_model.IntVar]:
        """The ``x`` variables of role `r` of shift `s` (one per candidate volunteer)."""
        return self._role_vars.get((s, r), [])

    def day_shifts(self, v: int, day: int) -> list[int]:
        """Candidate shifts of volunteer `v` starting on horizon day `day`, by start."""
        return self._day_shifts.get((v, day), [])

    def works(self, v: int, day: int) -> Lit:
        """The literal "volunteer `v` works on day `day`" (``False`` if it cannot)."""
        key = (v, day)
        if key not in self._works:
            lits = [self.assigned[(v, s)] for s in self.day_shifts(v, day)]
            one_a_day = self.problem.volunteers[v].limits.max_shifts_per_day == 1
            if len(lits) > 1 and one_a_day and not self.guarded:
                # At most one shift a day anyway: "works" is their sum, the tightest form.
                b = self.cp.new_bool_var("")
                self.cp.add(cp_model.LinearExpr.sum(lits) == b)
                self.derive(b, lambda val: max(val(lit) for lit in lits))
                self._works[key] = b
            else:
                self._works[key] = self.any_of(lits, exact=True)
        return self._works[key]

    def any_of(self, lits: Sequence[Lit], *, exact: bool) -> Lit:
        """A literal true when one of `lits` is (only implied by them unless `exact`)."""
        lits = [lit for lit in lits if lit is not False]
        if any(lit is True for lit in lits):
            return True
        if not lits:
            return False
        if len(lits) == 1:
            return lits[0]
        b = self.cp.new_bool_var("")
        for lit in lits:
            self.cp.add_implication(lit, b)
        if exact:
            self.cp.add_bool_or(lits).only_enforce_if(b)
        self.derive(b, lambda val: max(val(lit) for lit in lits))
        return b

    def derive(self, var: cp_model.IntVar, value: Callable[[ValueOf], int]) -> None:
        """Record how to compute `var`'s hint from the values of earlier variables."""
        self._derived.append((var, value))

    # --- constraints -----------------------------------------------------------------------

    def guard(self, guard: Optional[Guard]) -> list[cp_model.IntVar]:
        """Enforcement literals for a constraint of group `guard` (none unless `guarded`)."""
        if not self.guarded or guard is None:
            return []
        lit = self.guards.get(guard)
        if lit is None:
            lit = self.cp.new_bool_var(f"guard[{guard.kind}]")
            self.guards[guard] = lit
        return [lit]

    def add(self, constraint: cp_model.BoundedLinearExpression, guard: Optional[Guard]) -> None:
        """A linear constraint of group `guard`."""
        ct = self.cp.add(constraint)
        enforce = self.guard(guard)
        if enforce:
            ct.only_enforce_if(enforce)

    def add_clause(self, lits: Iterable[Lit], guard: Optional[Guard]) -> None:
        """At least one of `lits` (constants allowed) holds, for group `guard`."""
        kept = []
        for lit in lits:
            if lit is True:
                return
            if lit is not False:
                kept.append(lit)
        enforce = self.guard(guard)
        if not kept and not enforce:
            self.cp.add_bool_or([])  # cannot hold: the problem is infeasible
        elif not kept:
            self.cp.add_bool_and([~g for g in enforce])
        else:
            ct = self.cp.add_bool_or(kept)
            if enforce:
                ct.only_enforce_if(enforce)

    def add_at_most(self, lits: Sequence[Lit], bound: int, guard: Optional[Guard]) -> None:
        """At most `bound` of `lits` hold (skipped when it cannot bind)."""
        lits = [lit for lit in lits if lit is not False]
        if len(lits) <= bound:
            return
        bound -= sum(1 for lit in lits if lit is True)
        lits = [lit for lit in lits if lit is not True]
        if bound == 1 and not self.guard(guard):
            self.cp.add_at_most_one(lits)
        else:
            self.add(cp_model.LinearExpr.sum(lits) <= bound, guard)

    # --- objective -------------------------------------------------------------------------

    def add_cost(self, coefficient: Fraction | float, var: cp_model.IntVar, *, upper: int = 1,
                 name: Optional[str] = None) -> None:
        """Add `coefficient` * `var` (document units) to the objective; `upper` bounds `var`."""
        coef = self.scale.integer(coefficient, times=upper)
        if coef:
            self.cost_vars.append(var)
            self.cost_coefs.append(coef)
        if name:
            self.penalties[name] = var

    def add_scaled_cost(self, coefficient: int, var: cp_model.IntVar) -> None:
        """Add an already scaled integer coefficient * `var` to the objective."""
        if coefficient:
            self.cost_vars.append(var)
            self.cost_coefs.append(coefficient)

    def add_constant_cost(self, value: Fraction | float) -> None:
        """Add a constant (document units) to the objective."""
        self.cost_constant += self.scale.integer(value)

    def finish_objective(self) -> None:
        """Hand the collected costs to CP-SAT."""
        expr = cp_model.LinearExpr.weighted_sum(self.cost_vars, self.cost_coefs)
        self.cp.minimize(expr + self.cost_constant)

    # --- hints and solutions ---------------------------------------------------------------

    def add_hint(self, assignments: Iterable[Assignment]) -> bool:
        """Hint every variable from `assignments` (replacing any earlier hint); False if one
        of them is not a model triple."""
        self.cp.clear_hints()
        index = self.index
        on: set[int] = set()
        complete = True
        for a in assignments:
            key = index.get((a.volunteer, a.shift, a.role))
            if key is None:
                complete = False
                continue
            on.add(self.x[key].index)
        values: dict[int, int] = {}
        for var in self.x.values():
            values[var.index] = 1 if var.index in on else 0

        def value_of(lit: Lit) -> int:
            if lit is True or lit is False:
                return int(lit)
            if isinstance(lit, int):
                return lit
            i = lit.index
            return values[i] if i >= 0 else 1 - values[-i - 1]

        for var in self.x.values():
            self.cp.add_hint(var, values[var.index])
        for var, fn in self._derived:
            values[var.index] = fn(value_of)
            self.cp.add_hint(var, values[var.index])
        return complete

    @property
    def index(self) -> Mapping[tuple[str, str, Optional[str]], tuple[int, int, int]]:
        """(volunteer id, shift id, role name) -> model triple."""
        p = self.problem
        return {(p.volunteers[v].id, p.shifts[s].id, p.shifts[s].roles[r].name): (v, s, r)
                for (v, s, r) in self.x}

    def assignments_from(self, is_true: Callable[[Sequence[cp_model.IntVar]], Sequence[bool]]
                         ) -> list[Assignment]:
        """The assignments of a solution, given a vectorised Boolean value reader."""
        keys = list(self.x)
        values = is_true([self.x[k] for k in keys])
        p = self.problem
        chosen = [k for k, on in zip(keys, values) if on]
        chosen.sort(key=lambda k: (k[1], k[0]))
        return [Assignment(p.volunteers[v].id, p.shifts[s].id, p.shifts[s].roles[r].name)
                for v, s, r in chosen]


def build_model(problem: Problem, eligibility: Eligibility, *, guarded: bool = False,
                count_changes: Optional[bool] = None, work_patterns: bool = True) -> ScheduleModel:
    """The whole model: hard rules, then the soft rules that make up the objective.

    Then the work patterns (`solver.rules.patterns`), a redundant formulation that tightens
    the LP. A `guarded` model (for the conflict search) has the hard rules only, each group
    behind its guard literal, and no objective. `count_changes` overrides whether
    assignments count as changes (by default: when `problem.previous` is not empty).
    """
    from solver.rules import hard, patterns, soft  # the rules import this module's types

    scale = ObjectiveScale.for_coefficients(soft.coefficient_values(problem, eligibility))
    m = ScheduleModel(problem, eligibility, scale, guarded=guarded, count_changes=count_changes)
    for rule in hard.HARD_RULES:
        rule(m)
    if guarded:
        return m  # only feasibility matters to the conflict search
    for rule in soft.SOFT_RULES:
        rule(m)
    if work_patterns:
        patterns.add_work_patterns(m)
    m.finish_objective()
    return m
