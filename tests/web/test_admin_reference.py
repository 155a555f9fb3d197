"""Coordinator pages for teams, skills, venues and grids: add, rename, delete, validation."""

from __future__ import annotations

import pytest

from scheduler.extensions import db
from scheduler.models import Grid, Skill, Team, Venue
from tests.web.conftest import field_errors, page_text

english = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
MODELS = {"teams": Team, "skills": Skill, "venues": Venue, "grids": Grid}


@pytest.fixture
def coordinator(client, login, community, make_coordinator):
    user = make_coordinator(community)
    login(client, user)
    return user


def _rows(model, community):
    return [(row.code, row.name) for row in db.session.query(model).filter_by(community_id=community.id).order_by(model.id)]


@pytest.mark.parametrize("kind", ["teams", "skills", "venues", "grids"])
def test_add_with_a_code_and_with_a_generated_one(client, coordinator, community, kind):
    model = MODELS[kind]
    existing = _rows(model, community)
    response = client.post(f"/admin/test/{kind}", data={"name": "甲", "code": "jia", "address": "幸福街1号"})
    assert response.status_code == 302, field_errors(response)
    response = client.post(f"/admin/test/{kind}", data={"name": "乙", "code": ""})
    assert response.status_code == 302, field_errors(response)
    added = _rows(model, community)[len(existing):]
    prefix = kind.rstrip("s")
    assert added[0] == ("jia", "甲")
    assert added[1][1] == "乙" and added[1][0].startswith(f"{prefix}-")
    listed = page_text(client.get(f"/admin/test/{kind}"))
    assert "甲" in listed and "乙" in listed


def test_a_venue_keeps_its_address(client, coordinator, community):
    client.post("/admin/test/venues", data={"name": "党群服务站", "code": "station", "address": "滨河路18号"})
    venue = db.session.query(Venue).one()
    assert (venue.code, venue.name, venue.address) == ("station", "党群服务站", "滨河路18号")
    response = client.post(f"/admin/test/venues/{venue.id}", data={"name": "党群服务站", "code": "station", "address": "滨河路20号"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Venue, venue.id).address == "滨河路20号"


@english
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "code": "x"}, "name", "Enter a name."),
        ({"name": "书法", "code": "Calli graphy"}, "code",
         "Use lower-case letters, digits, '-' and '_' (at most 40), starting with a letter or digit."),
        ({"name": "书法", "code": "-x"}, "code",
         "Use lower-case letters, digits, '-' and '_' (at most 40), starting with a letter or digit."),
        ({"name": "书法", "code": "first_aid"}, "code", "This code is already used."),
    ],
)
def test_a_bad_skill_is_refused_beside_the_field(client, coordinator, community, factories, data, field, message):
    factories.skill(community, "first_aid")
    db.session.commit()
    response = client.post("/admin/test/skills", data=data)
    assert response.status_code == 400
    assert field_errors(response) == {field: [message]}
    if data["name"]:
        assert f'value="{data["name"]}"' in response.get_data(as_text=True)
    assert _rows(Skill, community) == [("first_aid", "first_aid")]


def test_the_same_code_may_be_used_by_another_community(client, coordinator, community, make_community):
    other = make_community(slug="other")
    db.session.add(Grid(community=other, code="grid-1", name="别处"))
    db.session.commit()
    response = client.post("/admin/test/grids", data={"name": "第一网格", "code": "grid-1"})
    assert response.status_code == 302


def test_rename_a_team(client, coordinator, community):
    team = community.teams[0]
    response = client.post(f"/admin/test/teams/{team.id}", data={"name": "老干部", "code": team.code})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Team, team.id).name == "老干部"


@english
def test_renaming_to_a_taken_code_is_refused(client, coordinator, community):
    first, second = community.teams[:2]
    response = client.post(f"/admin/test/teams/{second.id}", data={"name": second.name, "code": first.code})
    assert response.status_code == 400
    assert field_errors(response) == {"code": ["This code is already used."]}


def test_delete_an_unused_one(client, coordinator, community):
    client.post("/admin/test/grids", data={"name": "第九网格", "code": "grid-9"})
    grid = db.session.query(Grid).one()
    response = client.post(f"/admin/test/grids/{grid.id}/delete", follow_redirects=True)
    assert "已删除 第九网格。" in page_text(response)
    assert db.session.query(Grid).count() == 0


@english
def test_one_in_use_is_not_deleted(client, coordinator, community, make_volunteer, make_activity):
    make_volunteer(community, teams=["student"], skills=["first_aid"], grids=["grid-1"])
    make_activity(community, venue="hall", roles=[{"name": "助手", "need": 1, "teams": ["student"]}])
    for kind, model, code in (
        ("teams", Team, "student"), ("skills", Skill, "first_aid"), ("venues", Venue, "hall"), ("grids", Grid, "grid-1")
    ):
        row = db.session.query(model).filter_by(community_id=community.id, code=code).one()
        response = client.post(f"/admin/test/{kind}/{row.id}/delete", follow_redirects=True)
        assert "cannot be deleted: Still in use" in page_text(response), kind
        db.session.expire_all()
        assert db.session.get(model, row.id) is not None, kind
    student = db.session.query(Team).filter_by(community_id=community.id, code="student").one()
    assert "Used 2 times" in page_text(client.get("/admin/test/teams")) and student.volunteers


def test_an_unknown_kind_is_not_found(client, coordinator):
    assert client.get("/admin/test/planets").status_code == 404
