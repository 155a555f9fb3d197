"""A small community for the feed tests, and verbs that change it the way the app does.

`build_scenario` makes the 河畔社区 community (Asia/Shanghai, or another zone): a calligraphy
class on Mondays 09:00-11:00 at the activity room (teacher + assistant), a night patrol
on Tuesdays 21:00-01:00 (ends the next day) reserved for party members, three volunteers
with private notes and phone numbers that must never reach a public feed, and a
coordinator. Its shifts are in the week after next, so the tests do not age.

`publish_plan` assigns people in the coordinator's draft and publishes it through
`scheduler.planning` (SignUp rows and `schedule_changed` follow, as in the app).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Optional

from scheduler import planning
from scheduler.extensions import db
from scheduler.models import Community, Shift, ShiftRole, User, iso_week_key

PRIVATE_NOTE = "腿脚不便，紧急联系人 13912345678"
COMMUNITY_CONTACT = "社区办公室 010-62345678"


@dataclass
class Scenario:
    """The scenario's rows (ids stay valid across requests; objects are re-read)."""

    community: Community
    coordinator: User
    wang: User
    li: User
    ouyang: User
    monday: date
    week: str
    class_shift: Shift
    patrol_shift: Shift

    def role(self, shift: Shift, name: str) -> ShiftRole:
        """The role `name` of `shift`."""
        return next(role for role in db.session.get(Shift, shift.id).roles if role.name == name)


def next_week_monday(today: Optional[date] = None) -> date:
    """The Monday of the week after next (feeds keep only recent and future events)."""
    today = today or date.today()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=2)


def build_scenario(factories, *, timezone: str = "Asia/Shanghai", monday: Optional[date] = None,
                   name_mode: str = "surname_title") -> Scenario:
    """The community described in the module docstring."""
    monday = monday or next_week_monday()
    community = factories.make_community(
        slug="riverside", name="河畔社区", timezone=timezone, contact=COMMUNITY_CONTACT,
        address="滨江路1号",
    )
    community.public_name_mode = name_mode
    coordinator = factories.make_coordinator(community, name="赵主任", mobile="13600000001")
    wang = factories.make_volunteer(community, name="王秀英", mobile="13700000001", teams=("retired_cadre",))
    li = factories.make_volunteer(community, name="李明", mobile="13700000002", teams=("student",))
    ouyang = factories.make_volunteer(community, name="欧阳娜娜", mobile="13700000003", teams=("party_member",))
    for user in (wang, li, ouyang):
        user.profile.notes = PRIVATE_NOTE
    calligraphy = factories.make_activity(
        community, code="calligraphy", title="书法班", kind="class", weekdays=(0,), start="09:00", end="11:00",
        venue="activity-room", roles=[{"name": "讲师", "need": 1}, {"name": "助教", "need": 1}],
        valid_from=monday - timedelta(days=60),
    )
    calligraphy.description = "毛笔、墨汁由社区提供。咨询电话 13800138000"
    calligraphy.venue.name = "活动室"
    calligraphy.venue.address = "幸福路18号"
    patrol = factories.make_activity(
        community, code="night-patrol", title="夜间巡逻", kind="duty", weekdays=(1,), start="21:00", end="01:00",
        roles=[{"name": "巡逻员", "need": 2, "teams": ["party_member", "retired_cadre"]}],
        valid_from=monday - timedelta(days=60),
    )
    db.session.commit()
    class_shift = factories.make_shift(calligraphy, day=monday)
    patrol_shift = factories.make_shift(patrol, day=monday + timedelta(days=1))
    return Scenario(community, coordinator, wang, li, ouyang, monday, iso_week_key(monday), class_shift, patrol_shift)


def publish_plan(scenario: Scenario, assignments: Iterable[tuple[Shift, str, User]],
                 removals: Iterable[tuple[Shift, User]] = ()) -> planning.PublishResult:
    """Put each ``(shift, role name, volunteer)`` in the draft, take out each removal, publish
    the week, commit and announce it (as the planning pages do)."""
    community = db.session.get(Community, scenario.community.id)
    for shift, user in removals:
        planning.unassign(community, scenario.week, db.session.get(Shift, shift.id), user.profile)
    for shift, role_name, user in assignments:
        planning.assign(community, scenario.week, scenario.role(shift, role_name), user.profile)
    result = planning.publish(community, scenario.week, user=scenario.coordinator)
    changed = list(result.changed_shift_ids)
    db.session.commit()
    planning.notify(community, changed)
    return result
