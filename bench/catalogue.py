"""What a community week is made of: places, teams and the weekly timetable.

Data only, read by `bench.generate`. Times are minutes after local midnight; weekdays count
from 0 = Monday. Everything here describes one community of about 20,000 residents served by
about 130 volunteers; the generator repeats it per community with random variation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# -- places -----------------------------------------------------------------------------------

#: (id, Chinese name) of communities; a street office has up to this many (more get a suffix).
COMMUNITIES: tuple[tuple[str, str], ...] = (
    ("binjiang", "滨江社区"), ("cuihu", "翠湖社区"), ("wutong", "梧桐社区"),
    ("guihua", "桂花社区"), ("jinxiu", "锦绣社区"), ("heping", "和平社区"),
    ("xingfu", "幸福社区"), ("chunhui", "春晖社区"), ("mingzhu", "明珠社区"),
    ("yangguang", "阳光社区"), ("qingsong", "青松社区"), ("lijing", "丽景社区"),
    ("jinqiao", "金桥社区"), ("fenglin", "枫林社区"), ("zijing", "紫荆社区"),
    ("wangjiang", "望江社区"), ("xinghua", "兴华社区"), ("changle", "长乐社区"),
    ("ankang", "安康社区"), ("donghu", "东湖社区"), ("nanyuan", "南苑社区"),
    ("beichen", "北辰社区"), ("xiyuan", "西园社区"), ("yuhua", "雨花社区"),
)

STREET_OFFICE = "江畔街道"

#: Venue key -> Chinese name; each community has one of each (id ``<community>-<key>``).
VENUES: dict[str, str] = {
    "station": "党群服务站",
    "centre": "便民服务中心（科普馆）",
    "reading-room": "社区阅览室",
    "teahouse": "滨河露天茶馆",
}

GRID_NUMERALS = "一二三四五六七八"

# -- people -----------------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
            "闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN_CHARS = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国文辉力"
               "志海燕鹏宇浩然子涵欣怡梓轩雨婷思远佳琪博文晓东春梅淑珍德明永福国庆卫东"
               "晨阳一诺俊熙雅琴慧敏立新宏伟振华")

#: Weekday half-day windows: morning, afternoon, evening, and a long weekend day.
MORNING = (8 * 60, 12 * 60)
AFTERNOON = (14 * 60, 17 * 60 + 30)
OFFICE_HOURS = (8 * 60 + 30, 17 * 60 + 30)
EVENING = (18 * 60, 21 * 60 + 30)
WEEKEND_DAY = (8 * 60, 21 * 60)


@dataclass(frozen=True)
class SkillOdds:
    """A skill a team member has with `probability`, at a level drawn with `level_weights`
    (index 0 = level 1)."""

    probability: float
    level_weights: tuple[int, ...]


@dataclass(frozen=True)
class Team:
    """One kind of volunteer: who they are, what they can do and when, how much they give."""

    group: str
    share: float  # of a community's volunteers
    skills: dict[str, SkillOdds]
    max_minutes: tuple[int, int]  # range, drawn in steps of 60
    history_minutes: tuple[int, int]
    two_shifts_a_day: float  # probability of max_shifts_per_day 2 (else 1)
    max_consecutive_days: tuple[float, int]  # (probability, value)
    min_rest_minutes: tuple[float, int]
    also_party_member: float = 0.0
    has_grid: float = 0.0  # probability of serving a grid (and patrolling it)
    max_patrols: float = 0.0  # probability of a per-activity cap on grid patrols
    max_shifts: tuple[float, tuple[int, int]] = (0.0, (0, 0))


TEAMS: tuple[Team, ...] = (
    Team(
        group="retired_cadre", share=0.23,
        skills={
            "calligraphy": SkillOdds(0.35, (3, 3, 3, 1)),
            "painting": SkillOdds(0.30, (3, 3, 3, 1)),
            "mediation": SkillOdds(0.35, (2, 3, 2)),
            "law": SkillOdds(0.20, (2, 2, 2)),
            "health": SkillOdds(0.12, (2, 2, 2)),
            "desk": SkillOdds(0.30, (2, 1)),
            "museum_guide": SkillOdds(0.20, (2, 1)),
            "elderly_visit": SkillOdds(0.30, (1, 2)),
            "handicraft": SkillOdds(0.15, (2, 2, 1)),
            "patrol": SkillOdds(0.20, (2, 1)),
            "baking": SkillOdds(0.10, (1, 1, 2)),
        },
        max_minutes=(300, 660), history_minutes=(0, 1500), two_shifts_a_day=0.3,
        max_consecutive_days=(0.4, 3), min_rest_minutes=(0.3, 60),
        also_party_member=0.45, has_grid=0.4,
    ),
    Team(
        group="social_worker", share=0.09,
        skills={
            "elderly_visit": SkillOdds(0.9, (1, 3, 3)),
            "desk": SkillOdds(0.9, (2, 3)),
            "mediation": SkillOdds(0.5, (2, 2, 1)),
            "law": SkillOdds(0.2, (2, 1)),
            "handicraft": SkillOdds(0.25, (2, 2, 1)),
            "baking": SkillOdds(0.10, (2, 1, 1)),
            "health": SkillOdds(0.15, (3, 2, 1)),
        },
        max_minutes=(720, 1200), history_minutes=(600, 2400), two_shifts_a_day=0.9,
        max_consecutive_days=(0.2, 4), min_rest_minutes=(0.5, 30),
        also_party_member=0.3,
    ),
    Team(
        group="student", share=0.37,
        skills={
            "tutoring": SkillOdds(0.6, (2, 3, 2)),
            "museum_guide": SkillOdds(0.45, (3, 2)),
            "baking": SkillOdds(0.30, (3, 2)),
            "handicraft": SkillOdds(0.20, (3, 2)),
            "calligraphy": SkillOdds(0.10, (3, 1)),
            "patrol": SkillOdds(0.05, (1,)),
        },
        max_minutes=(240, 540), history_minutes=(0, 900), two_shifts_a_day=0.6,
        max_consecutive_days=(0.2, 2), min_rest_minutes=(0.2, 30),
        also_party_member=0.15, has_grid=0.1,
    ),
    Team(
        group="party_member", share=0.31,
        skills={
            "patrol": SkillOdds(0.85, (3, 2)),
            "desk": SkillOdds(0.40, (2, 1)),
            "elderly_visit": SkillOdds(0.30, (2, 1)),
            "baking": SkillOdds(0.18, (1, 1, 2)),
            "handicraft": SkillOdds(0.15, (2, 2, 1)),
            "mediation": SkillOdds(0.15, (2, 1)),
            "museum_guide": SkillOdds(0.10, (1,)),
            "health": SkillOdds(0.04, (1, 2, 1)),
        },
        max_minutes=(240, 600), history_minutes=(0, 1800), two_shifts_a_day=0.4,
        max_consecutive_days=(0.3, 3), min_rest_minutes=(0.3, 60),
        has_grid=0.95, max_patrols=0.4, max_shifts=(0.3, (2, 5)),
    ),
)

#: Activities (without the ``@community`` suffix) that use a skill: volunteers tend to like them.
SKILL_ACTIVITIES: dict[str, tuple[str, ...]] = {
    "calligraphy": ("calligraphy-class",), "painting": ("painting-class",),
    "baking": ("baking-class",), "handicraft": ("handicraft-class",),
    "tutoring": ("tutoring",), "museum_guide": ("museum-duty",), "desk": ("service-desk",),
    "mediation": ("mediation-desk",), "law": ("law-lecture", "mediation-desk"),
    "health": ("health-lecture",), "elderly_visit": ("elderly-visit",),
    "patrol": ("grid-patrol",),
}

#: Availability profiles of party members (they are the team with mixed hours).
PARTY_PROFILES = ("working", "retired", "flexible")

# -- the weekly timetable ---------------------------------------------------------------------


@dataclass(frozen=True)
class RoleSpec:
    """A role of a shift template."""

    role: str
    need: int
    max: int | None = None
    skills: dict[str, int] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    continuity: bool = False


@dataclass(frozen=True)
class Series:
    """A weekly series of shifts of one activity at one venue of a community.

    `sessions` are (weekday, start minute, end minute). A `per_community` series gets its own
    activity id in each community (classes and lectures, whose instructors should stay the
    same); the others share one activity id across the street office (duties).
    """

    activity: str
    title: str
    venue: str
    sessions: tuple[tuple[int, int, int], ...]
    roles: tuple[RoleSpec, ...]
    supervised: tuple[str, ...] = ()  # groups that supervise students on this shift
    per_community: bool = False
    probability: float = 1.0  # chance that a community runs this series this week


def _hm(hours: int, minutes: int = 0) -> int:
    return hours * 60 + minutes


_LEAD_GROUPS = ("social_worker", "party_member", "retired_cadre")
_WEEKDAYS = range(5)

DUTIES: tuple[Series, ...] = (
    Series("service-desk", "党群服务站值班", "station",
           tuple((d, _hm(8, 30), _hm(12)) for d in _WEEKDAYS)
           + tuple((d, _hm(14), _hm(17, 30)) for d in _WEEKDAYS) + ((5, _hm(9), _hm(12)),),
           (RoleSpec("desk", 1, 2, {"desk": 1}),)),
    Series("public-cleaning", "公共空间清洁", "teahouse",
           ((2, _hm(8), _hm(10)), (5, _hm(8), _hm(10)), (6, _hm(16), _hm(18))),
           (RoleSpec("cleaner", 3, 6),)),
    Series("elderly-visit", "走访独居老人", "station",
           tuple((d, _hm(9), _hm(11, 30)) for d in _WEEKDAYS)
           + tuple((d, _hm(14, 30), _hm(17)) for d in _WEEKDAYS),
           (RoleSpec("visitor", 2, 2, {"elderly_visit": 2}),)),
    Series("mediation-desk", "人民调解室", "station",
           ((1, _hm(9), _hm(11, 30)), (3, _hm(9), _hm(11, 30)), (5, _hm(9), _hm(11, 30))),
           (RoleSpec("mediator", 1, 1, {"mediation": 2}),
            RoleSpec("legal_adviser", 1, 1, {"law": 2}))),
    Series("museum-duty", "科普馆值守", "centre",
           tuple((d, _hm(14), _hm(17)) for d in (1, 2, 3, 4))
           + tuple((d, s, e) for d in (5, 6) for s, e in ((_hm(9), _hm(12)), (_hm(14), _hm(17)))),
           (RoleSpec("duty_lead", 1, 1, groups=_LEAD_GROUPS),
            RoleSpec("guide", 1, 3, {"museum_guide": 1})),
           supervised=_LEAD_GROUPS),
    Series("reading-room", "阅览室值班", "reading-room",
           tuple((d, _hm(18, 30), _hm(21)) for d in _WEEKDAYS)
           + ((5, _hm(14), _hm(17, 30)), (6, _hm(14), _hm(17, 30))),
           (RoleSpec("attendant", 1, 2),)),
    Series("teahouse", "滨河茶馆服务", "teahouse",
           ((2, _hm(9), _hm(11, 30)), (4, _hm(9), _hm(11, 30)),
            (5, _hm(14), _hm(17)), (6, _hm(14), _hm(17))),
           (RoleSpec("host", 2, 3),)),
)

CLASSES: tuple[Series, ...] = (
    Series("calligraphy-class", "书法班", "reading-room",
           ((1, _hm(9), _hm(11)), (3, _hm(9), _hm(11))),
           (RoleSpec("instructor", 1, 1, {"calligraphy": 3}, continuity=True),
            RoleSpec("assistant", 1, 2, {"calligraphy": 1})), per_community=True),
    Series("painting-class", "国画班", "reading-room",
           ((0, _hm(14, 30), _hm(16, 30)), (2, _hm(14, 30), _hm(16, 30))),
           (RoleSpec("instructor", 1, 1, {"painting": 3}, continuity=True),
            RoleSpec("assistant", 1, 2, {"painting": 1})), per_community=True),
    Series("baking-class", "亲子烘焙班", "centre",
           ((5, _hm(14), _hm(16, 30)), (6, _hm(14), _hm(16, 30))),
           (RoleSpec("instructor", 1, 1, {"baking": 3}, continuity=True),
            RoleSpec("assistant", 2, 3, {"baking": 1}, groups=("student",))),
           supervised=_LEAD_GROUPS, per_community=True),
    Series("handicraft-class", "手工编织班", "centre",
           ((2, _hm(19), _hm(21)), (5, _hm(9, 30), _hm(11, 30))),
           (RoleSpec("instructor", 1, 1, {"handicraft": 2}, continuity=True),
            RoleSpec("assistant", 1, 2)), per_community=True),
    Series("tutoring", "四点半课堂·课业辅导", "reading-room",
           tuple((d, _hm(18, 30), _hm(20, 30)) for d in range(4)),
           (RoleSpec("duty_lead", 1, 1, groups=("party_member", "social_worker")),
            RoleSpec("tutor", 2, 3, {"tutoring": 2}, groups=("student",))),
           supervised=("party_member", "social_worker"), per_community=True),
    Series("health-lecture", "健康知识讲座", "station",
           ((2, _hm(9, 30), _hm(11)),),
           (RoleSpec("speaker", 1, 1, {"health": 3}),
            RoleSpec("helper", 2, 3)), per_community=True, probability=0.8),
    Series("law-lecture", "普法讲座", "station",
           ((3, _hm(14, 30), _hm(16)),),
           (RoleSpec("speaker", 1, 1, {"law": 3}),
            RoleSpec("helper", 1, 2)), per_community=True, probability=0.6),
)

#: Grid patrols: per grid, this many evenings (weekday) or mornings (weekend) a week.
PATROL_TITLE = "网格巡查"
PATROL_ROLE = RoleSpec("patroller", 2, 3, {"patrol": 1})
PATROLS_PER_GRID = 4
PATROL_WEEKDAY = (_hm(19), _hm(21))
PATROL_WEEKEND = (_hm(9), _hm(11))
GRIDS_PER_COMMUNITY = (3, 5)
