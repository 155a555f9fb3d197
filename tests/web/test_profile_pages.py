"""The volunteer's profile pages over HTTP: each saves through its service, and bad input
comes back beside its field with what was typed kept."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from scheduler.extensions import db
from scheduler.models import Grid
from tests.web.conftest import field_errors, page_text


def fresh(user):
    db.session.expire_all()
    return user.profile


@pytest.fixture
def volunteer(make_volunteer):
    return make_volunteer(name="王秀英", teams=["retired_cadre"], skills={"calligraphy": 1})


@pytest.fixture
def logged_in(client, login, volunteer):
    login(client, volunteer)
    return client


def test_profile_summary(logged_in):
    text = page_text(logged_in.get("/volunteer/profile"))
    assert "王秀英" in text and "calligraphy · 1级" in text and "任何时间都可以" in text


def test_details_are_saved(logged_in, volunteer, community):
    grid = Grid(community=community, code="g1", name="第一网格")
    db.session.add(grid)
    db.session.commit()
    teams = {team.code: team.id for team in community.teams}
    response = logged_in.post("/volunteer/profile/details", data={
        "name": "王秀英", "mobile": "139 1234 5678",
        "teams": [teams["retired_cadre"], teams["party_member"]], "grids": [grid.id],
    })
    assert response.status_code == 302
    profile = fresh(volunteer)
    assert profile.user.mobile == "13912345678"
    assert profile.team_codes() == {"retired_cadre", "party_member"}
    assert [g.code for g in profile.grids] == ["g1"]


def test_details_keep_input_and_show_errors_beside_fields(logged_in, volunteer, make_volunteer):
    other = make_volunteer()
    response = logged_in.post("/volunteer/profile/details", data={"name": "新名字", "mobile": other.mobile})
    assert response.status_code == 200
    assert field_errors(response) == {"mobile": ["该手机号码已注册。"]}
    assert 'value="新名字"' in response.get_data(as_text=True)
    response = logged_in.post("/volunteer/profile/details", data={"name": "", "mobile": "12345"})
    errors = field_errors(response)
    assert errors["name"] == ["请输入您的姓名。"] and errors["mobile"] == ["请输入以 1 开头的 11 位手机号码。"]
    assert fresh(volunteer).user.display_name == "王秀英"


def test_skills_are_saved(logged_in, volunteer, community):
    skills = {skill.code: skill.id for skill in community.skills}
    response = logged_in.post("/volunteer/profile/skills", data={f"skill_{skills['calligraphy']}": "3"})
    assert response.status_code == 302
    assert fresh(volunteer).skill_levels() == {"calligraphy": 3}
    logged_in.post("/volunteer/profile/skills", data={f"skill_{skills['calligraphy']}": "0"})
    assert fresh(volunteer).skill_levels() == {}


def test_weekly_grid_presets_and_exact_times(logged_in, volunteer):
    response = logged_in.post("/volunteer/availability", data={
        "mode": "times", "d0_morning": "y", "d0_evening": "y", "d5_times": "14:00-16:30，19:00－21:00",
    })
    assert response.status_code == 302
    rows = [(a.weekday, a.start_time, a.end_time) for a in fresh(volunteer).availability]
    assert rows == [
        (0, time(8), time(12)), (0, time(18), time(21, 30)),
        (5, time(14), time(16, 30)), (5, time(19), time(21)),
    ]
    page = logged_in.get("/volunteer/availability").get_data(as_text=True)
    assert 'id="d0_morning" name="d0_morning" type="checkbox" value="y"' in page
    assert 'value="14:00-16:30, 19:00-21:00"' in page  # exact times come back as typed


@pytest.mark.parametrize("typed, message", [
    ("9-11", "请按 08:30-11:00 的格式填写，多个时间用逗号隔开。"),
    ("25:00-26:00", "“25:00-26:00”不是有效的时间。"),
    ("11:00-09:00", "“11:00-09:00”的结束时间不晚于开始时间。"),
])
def test_weekly_grid_bad_times_are_shown_beside_the_day(logged_in, volunteer, typed, message):
    response = logged_in.post("/volunteer/availability", data={"mode": "times", "d0_morning": "y", "d2_times": typed})
    assert response.status_code == 200
    assert field_errors(response) == {"d2_times": [message]}
    page = response.get_data(as_text=True)
    assert f'value="{typed}"' in page and 'id="d0_morning" name="d0_morning" type="checkbox" value="y"' in page
    assert fresh(volunteer).availability == []


def test_weekly_grid_needs_a_time_or_any_time(logged_in, volunteer):
    response = logged_in.post("/volunteer/availability", data={"mode": "times"})
    assert field_errors(response) == {"mode": ["请至少勾选一个时间，或选择“任何时间都可以”。"]}
    logged_in.post("/volunteer/availability", data={"mode": "times", "d1_afternoon": "y"})
    assert len(fresh(volunteer).availability) == 1
    logged_in.post("/volunteer/availability", data={"mode": "any", "d1_afternoon": "y"})
    assert fresh(volunteer).availability == []


def test_leave_add_list_remove(logged_in, volunteer):
    start = date.today() + timedelta(days=10)
    response = logged_in.post("/volunteer/leave", data={
        "start_date": start.isoformat(), "end_date": (start + timedelta(days=2)).isoformat(), "reason": "探亲",
    })
    assert response.status_code == 302
    [leave] = fresh(volunteer).leave_dates
    assert (leave.start_date, leave.end_date, leave.reason) == (start, start + timedelta(days=2), "探亲")
    leave_id = leave.id
    assert "探亲" in page_text(logged_in.get("/volunteer/leave"))
    assert logged_in.post(f"/volunteer/leave/{leave_id}/delete").status_code == 302
    assert fresh(volunteer).leave_dates == []
    assert logged_in.post(f"/volunteer/leave/{leave_id}/delete").status_code == 404


def test_leave_over_a_signed_up_shift_warns(logged_in, volunteer, make_shift, community):
    day = community.local_now().date() + timedelta(days=4)
    shift = make_shift(day=day, title="书法班")
    logged_in.post(f"/volunteer/roles/{shift.roles[0].id}/sign-up")
    response = logged_in.post("/volunteer/leave", data={"start_date": day.isoformat(), "end_date": day.isoformat()},
                              follow_redirects=True)
    text = page_text(response)
    assert "请假已保存" in text and "仍报名了“书法班”" in text


def test_leave_end_before_start(logged_in, volunteer):
    response = logged_in.post("/volunteer/leave", data={"start_date": "2026-12-10", "end_date": "2026-12-09", "reason": "x"})
    assert field_errors(response) == {"end_date": ["最后一天不能早于第一天。"]}
    assert 'value="2026-12-09"' in response.get_data(as_text=True)
    response = logged_in.post("/volunteer/leave", data={"start_date": "", "end_date": "2026-13-40"})
    assert set(field_errors(response)) == {"start_date", "end_date"}


def test_someone_elses_leave_is_404(logged_in, make_volunteer):
    from scheduler.availability import add_leave

    other = make_volunteer()
    leave = add_leave(other.profile, date(2026, 12, 10), date(2026, 12, 11))
    db.session.commit()
    assert logged_in.post(f"/volunteer/leave/{leave.id}/delete").status_code == 404
    assert len(fresh(other).leave_dates) == 1


def test_limits_are_saved_and_empty_means_none(logged_in, volunteer):
    response = logged_in.post("/volunteer/limits", data={
        "max_shifts_per_day": "1", "max_shifts_per_week": "3", "max_minutes_per_week": "480",
        "min_rest_minutes": "", "max_consecutive_days": "",
    })
    assert response.status_code == 302
    profile = fresh(volunteer)
    assert (profile.max_shifts_per_day, profile.max_shifts_per_week, profile.max_minutes_per_week,
            profile.min_rest_minutes, profile.max_consecutive_days) == (1, 3, 480, None, None)


def test_limits_errors_beside_fields(logged_in, volunteer):
    response = logged_in.post("/volunteer/limits", data={
        "max_shifts_per_day": "-1", "max_shifts_per_week": "abc", "max_minutes_per_week": "99999",
        "max_consecutive_days": "0",
    })
    errors = field_errors(response)
    assert set(errors) == {"max_shifts_per_day", "max_shifts_per_week", "max_minutes_per_week", "max_consecutive_days"}
    assert errors["max_minutes_per_week"] == ["请输入 0 到 10080 之间的数字，或留空。"]
    assert 'value="99999"' in response.get_data(as_text=True)
    assert fresh(volunteer).max_minutes_per_week is None


def test_preferences_like_and_dislike(logged_in, volunteer, make_activity):
    liked, disliked, neutral = make_activity(title="书法班"), make_activity(title="巡逻"), make_activity(title="烘焙")
    response = logged_in.post("/volunteer/preferences", data={
        f"activity_{liked.id}": "1", f"activity_{disliked.id}": "-1", f"activity_{neutral.id}": "0",
    })
    assert response.status_code == 302
    weights = {pref.activity.title: pref.weight for pref in fresh(volunteer).preferences}
    assert weights == {"书法班": 3, "巡逻": -3}
    text = page_text(logged_in.get("/volunteer/profile"))
    assert "书法班: 喜欢" in text and "巡逻: 不太想参加" in text


def test_profile_forms_need_the_csrf_token(app, client, volunteer):
    from tests.conftest import DEFAULT_PASSWORD

    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/auth/login", data={"mobile": volunteer.mobile, "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert client.get("/volunteer/limits").status_code == 200  # logged in
    response = client.post("/volunteer/limits", data={"max_shifts_per_day": "2"})
    assert response.status_code == 400
    assert fresh(volunteer).max_shifts_per_day is None
