"""The demo community: 滨河社区, a riverside residential community of about 20,000 people.

`load_demo` builds it deterministically from a seed: four grids, five venues, fourteen
skills, eleven kinds of activity (fourteen series, as the service desk runs mornings and
afternoons and each grid patrols on its own) and about 150 volunteers in the four
default teams, whose skills and free hours fit who they are: retirees on weekday
mornings, students at weekends and in the evening, social workers in office hours, party
members a mix. It adds and flushes; the caller commits.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Iterable, Optional

from scheduler.accounts import create_coordinator, hash_password
from scheduler.communities import create_community
from scheduler.extensions import db
from scheduler.models import (
    AVAILABILITY_PRESETS,
    Activity,
    ActivityKind,
    ActivityPreference,
    ActivityRole,
    ActivityRoleSkill,
    Availability,
    Community,
    Grid,
    LeaveDate,
    Role,
    Skill,
    SupervisionRule,
    Team,
    User,
    Venue,
    VolunteerProfile,
    VolunteerSkill,
)

log = logging.getLogger(__name__)

DEMO_SLUG = "demo"
DEMO_SEED = 2026
COORDINATOR_MOBILE = "13800000001"
COORDINATOR_PASSWORD = "demo-coordinator"
VOLUNTEER_PASSWORD = "demo-volunteer"
ACTIVITIES_FROM = date(2026, 1, 5)

VENUES = [
    ("station", "党群服务站", "滨河路18号"),
    ("service-centre", "便民服务中心", "幸福街66号"),
    ("science-museum", "科普馆（便民服务中心二楼）", "幸福街66号便民服务中心二楼"),
    ("reading-room", "阅览室（党群服务站三楼）", "滨河路18号党群服务站三楼"),
    ("teahouse", "河畔露天茶馆", "滨河公园东门亲水平台"),
]

GRIDS = [
    ("grid-1", "第一网格（滨河苑）"),
    ("grid-2", "第二网格（幸福里）"),
    ("grid-3", "第三网格（书香园）"),
    ("grid-4", "第四网格（老街片区）"),
]

SKILLS = [
    ("calligraphy", "书法"),
    ("painting", "国画"),
    ("baking", "烘焙"),
    ("handicraft", "手工编织"),
    ("health", "健康知识"),
    ("nursing", "护理"),
    ("law", "法律咨询"),
    ("mediation", "人民调解"),
    ("reception", "接待咨询"),
    ("science", "科普讲解"),
    ("elderly_care", "助老服务"),
    ("first_aid", "急救"),
    ("computer", "电脑操作"),
    ("patrol", "安全巡查"),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN_NAMES = {
    "retired_cadre": "建国 建华 国强 秀英 桂兰 淑珍 玉兰 德明 志刚 丽华 凤英 秀珍 振华 卫东 爱华 永红 桂芳 宝山 文华 长庚".split(),
    "social_worker": "静 磊 敏 洋 艳 勇 娟 涛 霞 婷 颖 鹏 慧 晓燕 海燕 文静 晓东 丽娟 春梅 志强".split(),
    "student": "子涵 欣怡 梓轩 浩然 雨萱 一诺 思远 佳怡 宇航 诗涵 子墨 梓萱 俊杰 晨曦 明轩 若汐 嘉怡 天佑 心怡 博文".split(),
    "party_member": "伟 军 杰 明 超 平 刚 红 辉 斌 海涛 建军 晓红 国华 玉梅 新民 卫国 春华 立新 金凤".split(),
}

#: Team code -> how many volunteers of the demo belong to it first.
TEAM_SIZES = {"retired_cadre": 42, "social_worker": 22, "student": 48, "party_member": 38}

#: Skills each team draws from: code -> (lowest level, highest level).
TEAM_SKILLS: dict[str, dict[str, tuple[int, int]]] = {
    "retired_cadre": {
        "calligraphy": (1, 3), "painting": (1, 3), "health": (1, 3), "mediation": (1, 3),
        "elderly_care": (1, 2), "reception": (1, 2), "patrol": (1, 2), "handicraft": (1, 3),
    },
    "social_worker": {
        "reception": (1, 3), "elderly_care": (1, 3), "mediation": (1, 3), "law": (1, 2),
        "first_aid": (1, 2), "computer": (1, 2),
    },
    "student": {
        "science": (1, 3), "computer": (1, 3), "baking": (1, 2), "handicraft": (1, 2),
        "law": (1, 2), "first_aid": (1, 1), "nursing": (1, 2), "health": (1, 2),
    },
    "party_member": {
        "patrol": (1, 2), "reception": (1, 2), "first_aid": (1, 2), "mediation": (1, 2),
        "baking": (1, 3), "law": (1, 3), "health": (1, 2), "computer": (1, 2),
    },
}

#: Skills guaranteed at a level in the first volunteers of a team, so every role can be
#: staffed: (team, skill, level, how many).
SPECIALISTS = [
    ("retired_cadre", "calligraphy", 3, 4),
    ("retired_cadre", "health", 3, 3),
    ("retired_cadre", "mediation", 3, 3),
    ("retired_cadre", "handicraft", 3, 3),
    ("social_worker", "mediation", 2, 4),
    ("social_worker", "elderly_care", 2, 6),
    ("social_worker", "law", 2, 2),
    ("student", "science", 2, 10),
    ("student", "baking", 2, 3),
    ("party_member", "baking", 3, 3),
    ("party_member", "law", 3, 3),
    ("party_member", "patrol", 2, 8),
]


@dataclass(frozen=True)
class DemoLogin:
    """A login printed for people trying the demo."""

    role: str
    name: str
    mobile: str
    password: str


@dataclass(frozen=True)
class RoleSpec:
    """A role of a demo activity."""

    name: str
    need: int
    max: Optional[int] = None
    skills: tuple[tuple[str, int], ...] = ()
    teams: tuple[str, ...] = ()
    continuity: bool = False


@dataclass(frozen=True)
class ActivitySpec:
    """A demo activity series."""

    code: str
    kind: ActivityKind
    title: str
    description: str
    venue: Optional[str]
    weekdays: tuple[int, ...]
    start: time
    end: time
    roles: tuple[RoleSpec, ...]
    grid: Optional[str] = None
    supervised_students: bool = False


_ADULTS = ("retired_cadre", "social_worker", "party_member")

ACTIVITIES: list[ActivitySpec] = [
    ActivitySpec(
        "calligraphy-class", ActivityKind.CLASS, "书画班",
        "面向社区居民的书法与国画入门班，每周二、四上午，笔墨纸砚由社区提供。",
        "reading-room", (1, 3), time(9, 0), time(11, 0),
        (
            RoleSpec("讲师", 1, skills=(("calligraphy", 3),), continuity=True),
            RoleSpec("助教", 1, 2, skills=(("calligraphy", 1),)),
        ),
    ),
    ActivitySpec(
        "baking-class", ActivityKind.CLASS, "烘焙班",
        "周六下午的亲子烘焙课，学做面包和点心，名额有限。",
        "service-centre", (5,), time(14, 0), time(16, 0),
        (
            RoleSpec("讲师", 1, skills=(("baking", 2),), continuity=True),
            RoleSpec("助手", 1, 3, teams=("student", "social_worker", "party_member")),
        ),
        supervised_students=True,
    ),
    ActivitySpec(
        "handicraft-class", ActivityKind.CLASS, "手工班",
        "编织、剪纸和布艺，作品在社区义卖，所得用于帮扶困难家庭。",
        "service-centre", (2,), time(9, 30), time(11, 30),
        (
            RoleSpec("讲师", 1, skills=(("handicraft", 2),), continuity=True),
            RoleSpec("助手", 1, 2),
        ),
    ),
    ActivitySpec(
        "health-lecture", ActivityKind.LECTURE, "健康讲座",
        "慢病管理、合理用药和防跌倒知识，讲座后可免费测量血压。",
        "teahouse", (4,), time(9, 30), time(11, 0),
        (
            RoleSpec("主讲", 1, skills=(("health", 3),)),
            RoleSpec("签到引导", 2, 3, skills=(("reception", 1),)),
        ),
    ),
    ActivitySpec(
        "law-lecture", ActivityKind.LECTURE, "法律讲座",
        "婚姻家庭、遗产继承和防范电信诈骗，讲座后现场答疑。",
        "station", (2,), time(19, 0), time(20, 30),
        (
            RoleSpec("主讲", 1, skills=(("law", 2),)),
            RoleSpec("会务", 1, 2),
        ),
    ),
    ActivitySpec(
        "station-desk-am", ActivityKind.DUTY, "服务站值班（上午）",
        "党群服务站前台：接待来访、代办证明、解答咨询。",
        "station", (0, 1, 2, 3, 4), time(8, 30), time(12, 0),
        (RoleSpec("接待", 2, skills=(("reception", 1),)),),
    ),
    ActivitySpec(
        "station-desk-pm", ActivityKind.DUTY, "服务站值班（下午）",
        "党群服务站前台：接待来访、代办证明、解答咨询。",
        "station", (0, 1, 2, 3, 4), time(14, 0), time(17, 30),
        (RoleSpec("接待", 2, skills=(("reception", 1),)),),
    ),
    ActivitySpec(
        "museum-duty", ActivityKind.DUTY, "科普馆值班",
        "周末科普馆开放：讲解展品、引导参观、维持秩序。",
        "science-museum", (5, 6), time(9, 0), time(12, 0),
        (
            RoleSpec("讲解员", 2, 3, skills=(("science", 1),)),
            RoleSpec("值班负责人", 1, teams=_ADULTS),
        ),
        supervised_students=True,
    ),
    *[
        ActivitySpec(
            f"grid-patrol-{number}", ActivityKind.DUTY, f"网格巡查（{grid_name[:4]}）",
            "巡查消防通道、楼道杂物、路灯和井盖，发现问题拍照上报网格员。",
            None, (1, 3, 5), time(9, 0), time(10, 30),
            (RoleSpec("巡查员", 2, 3),),
            grid=grid_code, supervised_students=True,
        )
        for number, (grid_code, grid_name) in enumerate(GRIDS, start=1)
    ],
    ActivitySpec(
        "cleaning", ActivityKind.DUTY, "公共区域清洁",
        "周六早上清理楼道小广告、绿化带垃圾和河畔步道。",
        None, (5,), time(8, 0), time(10, 0),
        (RoleSpec("清洁志愿者", 6, 10), RoleSpec("带队", 1, teams=_ADULTS)),
        supervised_students=True,
    ),
    ActivitySpec(
        "elderly-visit", ActivityKind.DUTY, "独居老人探访",
        "上门看望独居老人：聊天、检查水电燃气安全、了解需求。",
        None, (0, 3), time(14, 30), time(16, 30),
        (RoleSpec("探访员", 2, 4, skills=(("elderly_care", 1),), teams=_ADULTS),),
    ),
    ActivitySpec(
        "mediation-desk", ActivityKind.DUTY, "调解室值班",
        "人民调解室接待邻里纠纷，调解员主持，记录员做笔录。",
        "station", (0, 2, 4), time(9, 0), time(11, 30),
        (
            RoleSpec("调解员", 1, skills=(("mediation", 2),), continuity=True),
            RoleSpec("记录员", 1, skills=(("computer", 1),)),
        ),
    ),
]


def load_demo(seed: int = DEMO_SEED, today: Optional[date] = None) -> list[DemoLogin]:
    """Create the demo community; returns a coordinator login and two volunteer logins.

    Everything random comes from `seed`; `today` only places a few leave dates in the
    coming weeks. Raises ValueError when the ``demo`` community exists already.
    """
    rng = random.Random(seed)
    today = today or date.today()
    community = create_community(
        DEMO_SLUG,
        "滨河社区",
        address="江城市滨江区长江街道滨河路18号",
        contact="社区党群服务站 027-8888 6666",
    )
    venues = {code: Venue(community=community, code=code, name=name, address=address)
              for code, name, address in VENUES}
    grids = {code: Grid(community=community, code=code, name=name) for code, name in GRIDS}
    skills = {code: Skill(community=community, code=code, name=name) for code, name in SKILLS}
    db.session.add_all([*venues.values(), *grids.values(), *skills.values()])
    teams = {team.code: team for team in community.teams}
    activities = [_activity(community, spec, venues, grids, skills, teams) for spec in ACTIVITIES]
    db.session.add_all(activities)
    db.session.flush()

    coordinator = create_coordinator(
        community, name="周丽华", mobile=COORDINATOR_MOBILE, password=COORDINATOR_PASSWORD
    )
    volunteers = _volunteers(community, rng, teams, grids, skills, activities, today)
    db.session.flush()
    log.info("demo community created with %d volunteers", len(volunteers))

    retiree = next(user for user in volunteers if "retired_cadre" in user.profile.team_codes())
    student = next(user for user in volunteers if "student" in user.profile.team_codes())
    return [
        DemoLogin("coordinator", coordinator.display_name, coordinator.mobile, COORDINATOR_PASSWORD),
        DemoLogin("volunteer", retiree.display_name, retiree.mobile, VOLUNTEER_PASSWORD),
        DemoLogin("volunteer", student.display_name, student.mobile, VOLUNTEER_PASSWORD),
    ]


def _activity(
    community: Community,
    spec: ActivitySpec,
    venues: dict[str, Venue],
    grids: dict[str, Grid],
    skills: dict[str, Skill],
    teams: dict[str, Team],
) -> Activity:
    activity = Activity(
        community=community,
        code=spec.code,
        kind=spec.kind,
        title=spec.title,
        description=spec.description,
        venue=venues[spec.venue] if spec.venue else None,
        grid=grids[spec.grid] if spec.grid else None,
        start_time=spec.start,
        end_time=spec.end,
        valid_from=ACTIVITIES_FROM,
    )
    activity.weekdays = spec.weekdays
    activity.roles = [
        ActivityRole(
            name=role.name,
            position=position,
            need=role.need,
            max=role.max,
            continuity=role.continuity,
            skills=[ActivityRoleSkill(skill=skills[code], min_level=level) for code, level in role.skills],
            teams=[teams[code] for code in role.teams],
        )
        for position, role in enumerate(spec.roles)
    ]
    if spec.supervised_students:
        activity.supervision_rules = [
            SupervisionRule(team=teams["student"], by_teams=[teams[code] for code in _ADULTS])
        ]
    return activity


def _volunteers(
    community: Community,
    rng: random.Random,
    teams: dict[str, Team],
    grids: dict[str, Grid],
    skills: dict[str, Skill],
    activities: list[Activity],
    today: date,
) -> list[User]:
    # One hash for the shared demo password: argon2 is slow on purpose, and every demo
    # account has the same published password anyway.
    password_hash = hash_password(VOLUNTEER_PASSWORD)
    names = _unique_names(rng)
    grid_list = list(grids.values())
    next_monday = today + timedelta(days=7 - today.weekday())
    users: list[User] = []
    number = 0
    for team_code, size in TEAM_SIZES.items():
        specialists = [(skill, level) for team, skill, level, count in SPECIALISTS
                       if team == team_code for _ in range(count)]
        for index in range(size):
            number += 1
            user = User(
                community=community,
                mobile=f"1390000{number:04d}",
                password_hash=password_hash,
                display_name=names(team_code),
                role=Role.VOLUNTEER,
            )
            db.session.add(user)
            profile = VolunteerProfile(notes="")
            user.profile = profile
            profile.teams = _teams_of(team_code, rng, teams)
            profile.grids = [grid_list[number % len(grid_list)]]
            levels = _skill_levels(team_code, rng)
            if index < len(specialists):
                skill, level = specialists[index]
                levels[skill] = max(levels.get(skill, 0), level)
            profile.skills = [VolunteerSkill(skill=skills[code], level=level) for code, level in levels.items()]
            profile.availability = _availability(team_code, rng)
            _limits(profile, team_code, rng)
            profile.preferences = _preferences(rng, activities)
            if rng.random() < 0.07:
                start = next_monday + timedelta(days=rng.randrange(0, 21))
                profile.leave_dates = [
                    LeaveDate(start_date=start, end_date=start + timedelta(days=rng.randrange(0, 5)), reason="外出")
                ]
            users.append(user)
    return users


def _unique_names(rng: random.Random):
    used: set[str] = set()

    def draw(team_code: str) -> str:
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES[team_code])
            if name not in used:
                used.add(name)
                return name

    return draw


def _teams_of(team_code: str, rng: random.Random, teams: dict[str, Team]) -> list[Team]:
    codes = [team_code]
    # Many retired cadres and some social workers are party members too.
    if team_code == "retired_cadre" and rng.random() < 0.5:
        codes.append("party_member")
    if team_code == "social_worker" and rng.random() < 0.3:
        codes.append("party_member")
    return [teams[code] for code in codes]


def _skill_levels(team_code: str, rng: random.Random) -> dict[str, int]:
    pool = TEAM_SKILLS[team_code]
    chosen = rng.sample(sorted(pool), k=rng.randint(1, 3))
    return {code: rng.randint(*pool[code]) for code in chosen}


def _preset(weekday: int, name: str) -> Availability:
    start, end = AVAILABILITY_PRESETS[name]
    return Availability(weekday=weekday, start_time=start, end_time=end)


def _availability(team_code: str, rng: random.Random) -> list[Availability]:
    weekdays, weekend = range(5), (5, 6)
    if team_code == "retired_cadre":
        slots = [_preset(day, "morning") for day in weekdays]
        slots += [_preset(day, "afternoon") for day in sorted(rng.sample(range(5), k=rng.randint(0, 3)))]
        if rng.random() < 0.3:
            slots.append(_preset(5, "morning"))
        return slots
    if team_code == "student":
        slots = [_preset(day, part) for day in weekend for part in ("morning", "afternoon", "evening")]
        slots += [_preset(day, "evening") for day in sorted(rng.sample(range(5), k=rng.randint(1, 4)))]
        return slots
    if team_code == "social_worker":
        # Office hours, given as exact times rather than presets.
        return [Availability(weekday=day, start_time=time(8, 30), end_time=time(17, 30)) for day in weekdays]
    pattern = rng.choice(("evenings", "mornings", "weekends"))
    if pattern == "evenings":
        slots = [_preset(day, "evening") for day in weekdays]
        slots += [_preset(5, "morning"), _preset(5, "afternoon")]
    elif pattern == "mornings":
        slots = [_preset(day, "morning") for day in sorted(rng.sample(range(5), k=3))]
        slots.append(_preset(6, "morning"))
    else:
        slots = [_preset(day, part) for day in weekend for part in ("morning", "afternoon")]
        slots.append(_preset(rng.randrange(5), "evening"))
    return slots


def _limits(profile: VolunteerProfile, team_code: str, rng: random.Random) -> None:
    if team_code == "retired_cadre":
        profile.max_shifts_per_day, profile.max_shifts_per_week = 1, rng.choice((2, 3, 3, 4))
        profile.max_minutes_per_week = 480
    elif team_code == "student":
        profile.max_shifts_per_day, profile.max_shifts_per_week = 2, rng.choice((2, 3, 4))
    elif team_code == "social_worker":
        profile.max_shifts_per_day, profile.max_minutes_per_week = 2, 900
        profile.min_rest_minutes = 30
    else:
        profile.max_shifts_per_week = rng.choice((2, 3))


def _preferences(rng: random.Random, activities: Iterable[Activity]) -> list[ActivityPreference]:
    chosen = rng.sample(list(activities), k=rng.choice((0, 0, 1, 1, 2)))
    return [
        ActivityPreference(activity=activity, weight=rng.choice((2, 3, 5, -3)))
        for activity in chosen
    ]


def demo_exists() -> bool:
    """True when the demo community is in the database."""
    from scheduler.communities import community_by_slug

    return community_by_slug(DEMO_SLUG) is not None
