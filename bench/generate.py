"""Seeded generator of realistic community weeks as schedule documents (spec format, valid).

Scales: ``S`` one community (~130 volunteers, ~80 shifts), ``M`` five communities (~650,
~400), ``L`` a whole street office of twenty communities (~2,600, ~1,500). ``T`` is a tiny
slice of one community for smoke tests. The teams, venues and timetable are in
`bench.catalogue`; this module draws people and shifts from them with one `random.Random`,
so a (scale, seed) pair always gives the same document.

    python -m bench.generate S|M|L|T [--seed N] [-o FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta

from solver.checker import AssignmentIndex, blocking_violations
from solver.checker_rules import CheckContext
from solver.domain import Assignment
from solver.parse import parse_problem

from bench import catalogue as cat
from bench.eligibility import candidates

WEEK_START = date(2026, 12, 7)  # a Monday
TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Scale:
    """How big a generated week is: communities, and the share of a community kept."""

    name: str
    communities: int
    volunteers_per_community: int = 130
    shift_fraction: float = 1.0  # < 1 keeps a random sample of each community's shifts
    sign_up_share: float = 0.1  # places taken by confirmed sign-ups (`fixed`) before planning


SCALES: dict[str, Scale] = {
    "T": Scale("T", 1, volunteers_per_community=30, shift_fraction=0.2),
    "S": Scale("S", 1),
    "M": Scale("M", 5),
    "L": Scale("L", 20),
}


def generate(scale: str | Scale, seed: int = 0) -> dict:
    """A valid schedule document of one week at `scale` (a `SCALES` key or a `Scale`)."""
    if isinstance(scale, str):
        scale = SCALES[scale]
    rng = random.Random(f"{scale.name}/{scale.communities}/{seed}")
    names = _NameDrawer(rng)
    volunteers: list[dict] = []
    shifts: list[dict] = []
    for index in range(scale.communities):
        community = _community(index, rng)
        community_shifts = _community_shifts(community, rng)
        if scale.shift_fraction < 1:
            keep = max(1, round(len(community_shifts) * scale.shift_fraction))
            chosen = sorted(rng.sample(range(len(community_shifts)), keep))
            community_shifts = [community_shifts[i] for i in chosen]
        community_shifts = _with_ids(community_shifts, "s", len(shifts))
        count = round(scale.volunteers_per_community * rng.uniform(0.92, 1.08))
        community_volunteers = _community_volunteers(community, count, names, community_shifts, rng)
        volunteers += _with_ids(community_volunteers, "v", len(volunteers))
        shifts += community_shifts
    doc = {
        "format": "volunteer-schedule/1",
        "name": f"{cat.STREET_OFFICE}志愿服务周排班（{scale.name}，"
                f"{WEEK_START.isoformat()} 起，种子 {seed}）",
        "timezone": TIMEZONE,
        "horizon": {"start": WEEK_START.isoformat(),
                    "end": (WEEK_START + timedelta(days=6)).isoformat()},
        "volunteers": volunteers,
        "shifts": shifts,
        "rules": {
            "travel_minutes": 15,
            "forbidden_successions": [{"from": "grid-patrol", "to": "grid-patrol"}],
        },
    }
    fixed = confirmed_sign_ups(doc, scale.sign_up_share, rng)
    if fixed:
        doc["fixed"] = fixed
    return doc


def confirmed_sign_ups(doc: dict, share: float, rng: random.Random) -> list[dict]:
    """Sign-ups volunteers made themselves for shifts they like, as `fixed` entries.

    About `share` of the places (`need`) are taken, each by a volunteer who qualifies, has a
    positive preference for the shift and breaks no hard rule together with the sign-ups
    before theirs (the checker's rules, as the sign-up service enforces them). So the sign-ups
    alone are a valid roster and the week stays feasible.
    """
    problem = parse_problem(doc)
    wanted = round(share * sum(r.need for s in problem.shifts for r in s.roles))
    options = [(volunteer, shift_id, role_name)
               for (shift_id, role_name), people in candidates(problem).items()
               for volunteer in people
               if sum(p.weight for p in volunteer.prefers
                      if p.matches(problem.shift_by_id[shift_id])) > 0]
    rng.shuffle(options)
    ctx = CheckContext(problem)
    index = AssignmentIndex(())
    taken: dict[tuple[str, str], int] = {}
    fixed: list[dict] = []
    for volunteer, shift_id, role_name in options:
        if len(fixed) >= wanted:
            break
        role = problem.shift_by_id[shift_id].role(role_name)
        if taken.get((shift_id, role_name), 0) >= role.need:
            continue
        if blocking_violations(problem, index, volunteer.id, shift_id, role_name, ctx):
            continue
        sign_up = Assignment(volunteer.id, shift_id, role_name)
        index.by_volunteer[volunteer.id].append(sign_up)
        index.by_shift[shift_id].append(sign_up)
        taken[(shift_id, role_name)] = taken.get((shift_id, role_name), 0) + 1
        fixed.append(sign_up.to_dict())
    return fixed


# -- communities and their shifts ---------------------------------------------------------------


@dataclass(frozen=True)
class Community:
    """One community: its id (also its `area`), Chinese name and grid ids."""

    id: str
    name: str
    grids: tuple[str, ...]

    def venue(self, key: str) -> str:
        """The id of this community's venue `key` (see `catalogue.VENUES`)."""
        return f"{self.id}-{key}"


def _community(index: int, rng: random.Random) -> Community:
    base_id, name = cat.COMMUNITIES[index % len(cat.COMMUNITIES)]
    if index >= len(cat.COMMUNITIES):
        base_id, name = f"{base_id}{index // len(cat.COMMUNITIES) + 1}", f"{name}{index + 1}"
    grid_count = rng.randint(*cat.GRIDS_PER_COMMUNITY)
    return Community(base_id, name, tuple(f"{base_id}-g{g + 1}" for g in range(grid_count)))


def _at(day: int, minute: int) -> str:
    moment = WEEK_START + timedelta(days=day)
    return f"{moment.isoformat()}T{minute // 60:02d}:{minute % 60:02d}"


def _role(spec: cat.RoleSpec) -> dict:
    role: dict = {"role": spec.role, "need": spec.need}
    if spec.max is not None and spec.max != spec.need:
        role["max"] = spec.max
    if spec.skills:
        role["skills"] = dict(spec.skills)
    if spec.groups:
        role["groups"] = list(spec.groups)
    if spec.continuity:
        role["continuity"] = True
    return role


def _community_shifts(community: Community, rng: random.Random) -> list[dict]:
    shifts: list[dict] = []
    for series in cat.DUTIES + cat.CLASSES:
        if rng.random() >= series.probability:
            continue
        activity = f"{series.activity}@{community.id}" if series.per_community else series.activity
        for number, (day, start, end) in enumerate(series.sessions, start=1):
            title = f"{community.name}·{series.title}"
            if series.per_community and len(series.sessions) > 1:
                title += f"（第{number}课）"
            shift = {
                "activity": activity, "title": title, "venue": community.venue(series.venue),
                "area": community.id, "start": _at(day, start), "end": _at(day, end),
                "roles": [_role(r) for r in series.roles],
            }
            if series.supervised:
                shift["supervision"] = [{"group": "student", "by": list(series.supervised)}]
            shifts.append(shift)
    for grid_number, grid in enumerate(community.grids):
        for day in sorted(rng.sample(range(7), cat.PATROLS_PER_GRID)):
            start, end = cat.PATROL_WEEKEND if day >= 5 else cat.PATROL_WEEKDAY
            shifts.append({
                "activity": "grid-patrol",
                "title": f"{community.name}·{cat.GRID_NUMERALS[grid_number]}网格{cat.PATROL_TITLE}",
                "venue": community.venue("station"), "area": grid,
                "start": _at(day, start), "end": _at(day, end),
                "roles": [_role(cat.PATROL_ROLE)],
            })
    shifts.sort(key=lambda s: (s["start"], s["end"], s["activity"], s["area"]))
    return shifts


# -- volunteers ---------------------------------------------------------------------------------


class _NameDrawer:
    """Chinese personal names, unique within one document."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def draw(self) -> str:
        """A surname and one or two given-name characters not drawn before."""
        for _ in range(50):
            given = "".join(self._rng.choice(cat.GIVEN_CHARS)
                            for _ in range(self._rng.choice((1, 2, 2))))
            name = self._rng.choice(cat.SURNAMES) + given
            if name not in self._used:
                self._used.add(name)
                return name
        name = f"{self._rng.choice(cat.SURNAMES)}{len(self._used)}号"
        self._used.add(name)
        return name


def _team_counts(count: int, rng: random.Random) -> list[tuple[cat.Team, int]]:
    weights = [team.share * rng.uniform(0.85, 1.15) for team in cat.TEAMS]
    total = sum(weights)
    counts = [round(count * w / total) for w in weights]
    counts[-1] += count - sum(counts)
    return list(zip(cat.TEAMS, counts))


def _community_volunteers(community: Community, count: int, names: _NameDrawer,
                          shifts: list[dict], rng: random.Random) -> list[dict]:
    people = []
    for team, team_count in _team_counts(count, rng):
        people += [_volunteer(team, community, names, shifts, rng) for _ in range(team_count)]
    rng.shuffle(people)  # a sign-up list is in order of arrival, not grouped by team
    return people


def _volunteer(team: cat.Team, community: Community, names: _NameDrawer,
               shifts: list[dict], rng: random.Random) -> dict:
    groups = [team.group]
    if rng.random() < team.also_party_member:
        groups.append("party_member")
    areas = [community.id]
    if rng.random() < team.has_grid:
        areas.append(rng.choice(community.grids))
    skills = {}
    for skill, odds in team.skills.items():
        if rng.random() < odds.probability:
            skills[skill] = rng.choices(range(1, len(odds.level_weights) + 1),
                                        weights=odds.level_weights)[0]
    if len(areas) > 1 and "party_member" in groups and "patrol" not in skills:
        skills["patrol"] = 1  # every party member on a grid takes part in its patrols
    volunteer = {
        "name": names.draw(),
        "groups": groups,
        "areas": areas,
        "skills": skills,
        "available": _availability(team, rng),
        "limits": _limits(team, rng),
        "history_minutes": rng.randrange(team.history_minutes[0], team.history_minutes[1] + 1, 30),
    }
    unavailable = _busy_events(rng)
    if unavailable:
        volunteer["unavailable"] = unavailable
    days_off = sorted(rng.sample(range(7), rng.choice((0, 0, 1, 1, 2))))
    if days_off:
        volunteer["days_off"] = [(WEEK_START + timedelta(days=d)).isoformat() for d in days_off]
    prefers = _preferences(skills, community, shifts, rng)
    if prefers:
        volunteer["prefers"] = prefers
    return volunteer


def _windows(days: list[int], window: tuple[int, int]) -> list[tuple[int, int, int]]:
    return [(d, window[0], window[1]) for d in days]


def _some(rng: random.Random, days: range | list[int], low: int, high: int) -> list[int]:
    days = list(days)
    return sorted(rng.sample(days, rng.randint(low, min(high, len(days)))))


def _availability(team: cat.Team, rng: random.Random) -> list[list[str]]:
    """Availability windows that fit the team's life (office hours, lectures, jobs)."""
    weekdays = range(5)
    windows: list[tuple[int, int, int]] = []
    if team.group == "retired_cadre":
        windows += _windows(_some(rng, weekdays, 2, 5), cat.MORNING)
        windows += _windows(_some(rng, weekdays, 2, 5), cat.AFTERNOON)
        if rng.random() < 0.3:
            windows.append((5, *cat.MORNING))
    elif team.group == "social_worker":
        windows += _windows(_some(rng, weekdays, 4, 5), cat.OFFICE_HOURS)
    elif team.group == "student":
        windows += _windows(_some(rng, [5, 6], 1, 2), cat.WEEKEND_DAY)
        windows += _windows(_some(rng, weekdays, 1, 4), cat.EVENING)
    else:
        profile = rng.choice(cat.PARTY_PROFILES)
        if profile in ("working", "flexible"):
            windows += _windows(_some(rng, weekdays, 2, 5), cat.EVENING)
            windows += _windows(_some(rng, [5, 6], 1, 2), cat.WEEKEND_DAY)
        if profile in ("retired", "flexible"):
            windows += _windows(_some(rng, weekdays, 2, 4), cat.MORNING)
            windows += _windows(_some(rng, weekdays, 1, 4), cat.AFTERNOON)
            if profile == "retired" and rng.random() < 0.5:
                windows.append((rng.choice((5, 6)), *cat.MORNING))
    windows.sort()
    return [[_at(d, s), _at(d, e)] for d, s, e in windows]


def _busy_events(rng: random.Random) -> list[list[str]]:
    """A few appointments imported from a personal calendar."""
    events = []
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        day = rng.randrange(7)
        start = rng.randrange(8 * 60, 20 * 60, 30)
        events.append((day, start, start + rng.choice((60, 90, 120, 180))))
    events.sort()
    return [[_at(d, s), _at(d, min(e, 23 * 60 + 30))] for d, s, e in events]


def _limits(team: cat.Team, rng: random.Random) -> dict:
    low, high = team.max_minutes
    limits: dict = {
        "max_minutes": rng.randrange(low, high + 1, 60),
        "max_shifts_per_day": 2 if rng.random() < team.two_shifts_a_day else 1,
    }
    probability, days = team.max_consecutive_days
    if rng.random() < probability:
        limits["max_consecutive_days"] = days
    probability, minutes = team.min_rest_minutes
    if rng.random() < probability:
        limits["min_rest_minutes"] = minutes
    probability, (fewest, most) = team.max_shifts
    if rng.random() < probability:
        limits["max_shifts"] = rng.randint(fewest, most)
    if rng.random() < team.max_patrols:
        limits["max_shifts_per_activity"] = {"grid-patrol": rng.choice((1, 2))}
    return limits


def _preferences(skills: dict[str, int], community: Community, shifts: list[dict],
                 rng: random.Random) -> list[dict]:
    """Likes for activities that use the volunteer's skills, a dislike, a weekday wish."""
    activities = sorted({s["activity"] for s in shifts})
    liked = [a for a in activities
             if any(a.split("@")[0] in cat.SKILL_ACTIVITIES.get(skill, ()) for skill in skills)]
    prefers: list[dict] = []
    for activity in rng.sample(liked, min(len(liked), rng.choice((0, 1, 1, 2)))):
        prefers.append({"activity": activity, "weight": rng.randint(1, 3)})
    others = [a for a in activities if a not in liked]
    if others and rng.random() < 0.35:
        prefers.append({"activity": rng.choice(others), "weight": -rng.randint(1, 3)})
    if rng.random() < 0.3:
        prefers.append({"weekday": rng.randrange(7), "weight": rng.choice((-2, -1, 1, 2))})
    if rng.random() < 0.1:
        prefers.append({"venue": community.venue(rng.choice(list(cat.VENUES))),
                        "weight": rng.choice((-1, 1, 2))})
    if shifts and rng.random() < 0.05:
        prefers.append({"shift": rng.choice(shifts)["id"], "weight": 2})
    return prefers


def _with_ids(items: list[dict], prefix: str, before: int) -> list[dict]:
    """`items` with ids ``<prefix>0001``... put first, numbering on after `before` items."""
    return [{"id": f"{prefix}{before + n:04d}", **item} for n, item in enumerate(items, start=1)]


# -- command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Write one generated week as JSON to a file or standard output."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    document = generate(args.scale, args.seed)
    text = json.dumps(document, ensure_ascii=False, indent=1)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
