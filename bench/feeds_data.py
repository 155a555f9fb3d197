"""Load generated weeks (`bench.generate`) into the database, for the feed benchmarks.

The whole document becomes one community (an L document is a street office of twenty
communities: the biggest feed the service could be asked for), repeated over several
consecutive weeks from a given Monday. Volunteers, teams (the document's groups), venues,
grids (areas), activities, shifts and roles (with their team restrictions) are written
with bulk inserts; the roster is the greedy baseline's (`bench.baseline`, valid by the
independent checker), repeated every week, as confirmed sign-ups made by the scheduler.
Skills, availability and preferences are left out: feeds do not read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Sequence

from sqlalchemy import insert, select

from bench.catalogue import COMMUNITIES, STREET_OFFICE, VENUES
from bench.generate import WEEK_START
from scheduler.accounts import hash_password
from scheduler.communities import create_community
from scheduler.extensions import db
from scheduler.models import (
    Activity,
    Grid,
    Shift,
    ShiftRole,
    SignUp,
    Team,
    User,
    Venue,
    VolunteerProfile,
    iso_week_key,
    shift_role_teams,
    volunteer_teams,
)
from solver.domain import Assignment

COMMUNITY_NAMES = dict(COMMUNITIES)


@dataclass(frozen=True)
class LoadedData:
    """What was loaded: the community, and counts for the report."""

    community_id: int
    volunteers: int
    shifts: int
    sign_ups: int
    weeks: int


def _kind(activity_code: str) -> str:
    base = activity_code.split("@", 1)[0]
    if base.endswith("-class"):
        return "class"
    return "lecture" if "lecture" in base else "duty"


def _venue_name(code: str) -> str:
    community, _, key = code.partition("-")
    return f"{COMMUNITY_NAMES.get(community, community)}{VENUES.get(key, key)}"


def _activities(doc: dict) -> dict[str, str]:
    """Shift id -> activity code: the document's activity per area (a grid patrol in each
    grid is a series of its own), split further where two shifts of a series start together
    (the database keeps one shift per activity and start)."""
    codes: dict[str, str] = {}
    starts: dict[str, set[str]] = {}
    for shift in doc["shifts"]:
        base = f"{shift['activity']}/{shift.get('area') or '-'}"
        code, number = base, 1
        while shift["start"] in starts.get(code, set()):
            number += 1
            code = f"{base}/{number}"
        starts.setdefault(code, set()).add(shift["start"])
        codes[shift["id"]] = code
    return codes


def load_weeks(doc: dict, roster: Sequence[Assignment], *, weeks: int, first_monday: date) -> LoadedData:
    """Write `doc` (one week) `weeks` times from `first_monday`, with `roster` each week;
    commits. The database must not hold the community ``jiangpan`` yet."""
    stamp = datetime.now(UTC) - timedelta(days=1)
    community = create_community("jiangpan", STREET_OFFICE, contact="街道志愿服务中心 010-62345678",
                                 address="江畔路1号")
    db.session.flush()
    teams = {team.code: team.id for team in community.teams}
    for code in sorted({group for v in doc["volunteers"] for group in v.get("groups", ())} - teams.keys()):
        team = Team(community=community, code=code, name=code)
        db.session.add(team)
        db.session.flush()
        teams[code] = team.id

    password = hash_password("bench-password-1")
    volunteer_ids: dict[str, int] = {}
    users, profiles, memberships = [], [], []
    for number, volunteer in enumerate(doc["volunteers"], start=1):
        volunteer_ids[volunteer["id"]] = number
        users.append({"id": number, "community_id": community.id, "mobile": f"199{number:08d}",
                      "password_hash": password, "display_name": volunteer.get("name") or volunteer["id"],
                      "is_active": True, "role": "volunteer", "created_at": stamp})
        profiles.append({"id": number, "user_id": number, "notes": "", "updated_at": stamp})
        memberships += [{"volunteer_id": number, "team_id": teams[g]} for g in volunteer.get("groups", ())]
    db.session.execute(insert(User), users)
    db.session.execute(insert(VolunteerProfile), profiles)
    db.session.execute(insert(volunteer_teams), memberships)

    venues = {code: index for index, code in enumerate(sorted({s["venue"] for s in doc["shifts"] if s.get("venue")}), 1)}
    db.session.execute(insert(Venue), [
        {"id": vid, "community_id": community.id, "code": code, "name": _venue_name(code), "address": f"江畔路{vid}号"}
        for code, vid in venues.items()
    ])
    grids = {code: index for index, code in enumerate(sorted({s["area"] for s in doc["shifts"] if s.get("area")}), 1)}
    db.session.execute(insert(Grid), [
        {"id": gid, "community_id": community.id, "code": code, "name": code} for code, gid in grids.items()
    ])
    activity_of = _activities(doc)
    activities: dict[str, int] = {}
    activity_rows = []
    for shift in doc["shifts"]:
        code = activity_of[shift["id"]]
        if code in activities:
            continue
        activities[code] = len(activities) + 1
        start = datetime.fromisoformat(shift["start"])
        end = datetime.fromisoformat(shift["end"])
        activity_rows.append({
            "id": activities[code], "community_id": community.id, "code": code,
            "kind": _kind(shift["activity"]), "title": shift.get("title") or shift["activity"], "description": "",
            "venue_id": venues.get(shift.get("venue")), "grid_id": grids.get(shift.get("area")),
            "weekdays_csv": "", "start_time": start.time(), "end_time": end.time() if end > start else time(23, 59),
            "valid_from": first_monday, "is_active": True, "created_at": stamp,
        })
    db.session.execute(insert(Activity), activity_rows)

    shift_rows, role_rows, role_team_rows, sign_up_rows = [], [], [], []
    role_ids: dict[tuple[int, str, str], int] = {}
    shift_ids: dict[tuple[int, str], int] = {}
    for week in range(weeks):
        offset = (first_monday - WEEK_START) + timedelta(weeks=week)
        for shift in doc["shifts"]:
            sid = len(shift_rows) + 1
            shift_ids[(week, shift["id"])] = sid
            start = datetime.fromisoformat(shift["start"]) + offset
            shift_rows.append({
                "id": sid, "community_id": community.id, "activity_id": activities[activity_of[shift["id"]]],
                "starts_at": start, "ends_at": datetime.fromisoformat(shift["end"]) + offset,
                "week": iso_week_key(start.date()), "title": shift.get("title") or shift["activity"],
                "venue_id": venues.get(shift.get("venue")), "grid_id": grids.get(shift.get("area")),
                "status": "active", "is_one_off": False, "created_at": stamp, "updated_at": stamp,
            })
            for position, role in enumerate(shift["roles"]):
                rid = len(role_rows) + 1
                role_ids[(week, shift["id"], role["role"])] = rid
                role_rows.append({"id": rid, "shift_id": sid, "name": role["role"], "position": position,
                                  "need": role["need"], "max": role.get("max"), "continuity": False})
                role_team_rows += [{"shift_role_id": rid, "team_id": teams[g]} for g in role.get("groups", ())
                                   if g in teams]
        for assignment in roster:
            sign_up_rows.append({
                "id": len(sign_up_rows) + 1, "volunteer_id": volunteer_ids[assignment.volunteer],
                "shift_id": shift_ids[(week, assignment.shift)],
                "shift_role_id": role_ids[(week, assignment.shift, assignment.role)],
                "status": "confirmed", "source": "scheduler", "created_at": stamp, "updated_at": stamp,
            })
    for rows, target in ((shift_rows, Shift), (role_rows, ShiftRole), (role_team_rows, shift_role_teams),
                         (sign_up_rows, SignUp)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(target), rows[start:start + 5000])
    db.session.commit()
    return LoadedData(community.id, len(users), len(shift_rows), len(sign_up_rows), weeks)


def busiest_volunteers(community_id: int, count: int) -> list[int]:
    """Profile ids of the volunteers with the most confirmed sign-ups."""
    from sqlalchemy import func

    rows = db.session.execute(
        select(SignUp.volunteer_id, func.count())
        .join(VolunteerProfile, VolunteerProfile.id == SignUp.volunteer_id)
        .join(User, User.id == VolunteerProfile.user_id)
        .where(User.community_id == community_id, SignUp.status == "confirmed")
        .group_by(SignUp.volunteer_id)
        .order_by(func.count().desc(), SignUp.volunteer_id)
        .limit(count)
    ).all()
    return [volunteer_id for volunteer_id, _count in rows]
