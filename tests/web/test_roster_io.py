"""Roster spreadsheets: export (CSV with BOM, xlsx), import all-or-nothing with row-level
errors, re-import by mobile number, and hostile files refused with a clear message."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from scheduler.accounts import user_by_mobile
from scheduler.admin import volunteer_search
from scheduler.extensions import db
from scheduler.models import Grid, Skill, User, VolunteerProfile
from scheduler.roster_io import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    RosterFileError,
    RosterImportError,
    export_csv,
    export_xlsx,
    import_roster,
    read_roster,
)
from tests.web.conftest import page_text

#: Service-level tests read messages in English; the HTTP tests below read the Chinese pages.
english = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

HEADER = "姓名,手机号,队伍,技能(等级),网格,每周最多小时,每周最多班次,每天最多班次,两班最少间隔(分钟),最多连续天数,状态,备注"


@pytest.fixture
def river(community, factories):
    """The default community with Chinese-named skills and grids, as a coordinator has them."""
    for code, name in (("calligraphy", "书法"), ("first_aid", "急救"), ("science", "科普讲解")):
        db.session.add(Skill(community=community, code=code, name=name))
    for code, name in (("grid-1", "第一网格"), ("grid-2", "第二网格")):
        db.session.add(Grid(community=community, code=code, name=name))
    db.session.commit()
    return community


def _csv(*lines: str, header: str = HEADER, encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def _import(community, data: bytes):
    """Read and import; roll back on refusal as the view does. Returns the report."""
    try:
        report = import_roster(community, read_roster(data))
    except (RosterFileError, RosterImportError):
        db.session.rollback()
        raise
    db.session.commit()
    return report


def _state(community) -> list[tuple]:
    """Everything the roster carries, per volunteer, comparable across imports."""
    rows = []
    for profile in db.session.scalars(volunteer_search(community, status="all")):
        rows.append((
            profile.user.display_name, profile.user.mobile, sorted(profile.team_codes()),
            sorted(profile.skill_levels().items()), sorted(grid.code for grid in profile.grids),
            profile.max_minutes_per_week, profile.max_shifts_per_week, profile.max_shifts_per_day,
            profile.min_rest_minutes, profile.max_consecutive_days, profile.user.is_active, profile.notes,
        ))
    return rows


def _messages(error: RosterImportError) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, str(e.message)) for e in error.errors]


# --------------------------------------------------------------------------- import


def test_import_creates_volunteers_with_every_column(river):
    report = _import(river, _csv(
        "王秀英,139 1111 2222,退休干部、党员,书法(3)、急救,第一网格,7.5,3,1,60,2,在册,腿脚不便",
        "李子涵,+86 13933334444,student,science：2,,,,,,,,",
    ))
    assert (report.created, report.updated) == (2, 0)
    assert _state(river) == [
        ("李子涵", "13933334444", ["student"], [("science", 2)], [], None, None, None, None, None, True, ""),
        ("王秀英", "13911112222", ["party_member", "retired_cadre"], [("calligraphy", 3), ("first_aid", 1)],
         ["grid-1"], 450, 3, 1, 60, 2, True, "腿脚不便"),
    ]


def test_reimport_updates_by_mobile_number_and_leaves_missing_columns_alone(river, make_volunteer):
    make_volunteer(river, name="王秀英", mobile="13911112222", teams=["retired_cadre"],
                   skills={"calligraphy": 2}, max_shifts_per_week=2)
    report = _import(river, _csv("王秀英,13911112222,党员", header="姓名,手机号,队伍"))
    assert (report.created, report.updated) == (0, 1)
    profile = user_by_mobile("13911112222").profile
    assert profile.team_codes() == {"party_member"}
    assert profile.skill_levels() == {"calligraphy": 2}  # no skills column: kept
    assert profile.max_shifts_per_week == 2
    # An empty cell of a present column clears the field.
    _import(river, _csv("王秀英,13911112222,,", header="姓名,手机号,队伍,每周最多班次"))
    db.session.expire_all()
    profile = user_by_mobile("13911112222").profile
    assert profile.team_codes() == set() and profile.max_shifts_per_week is None


@english
def test_a_bad_row_imports_nothing_and_every_fault_is_reported(river, make_volunteer):
    make_volunteer(river, name="原名", mobile="13911112222", teams=["student"])
    before = _state(river)
    with pytest.raises(RosterImportError) as refused:
        _import(river, _csv(
            "王秀英,13911112222,党员,书法(3),,8,,,,,,",          # fine: an update
            "李建国,13933334444,退休干部,,,,,,,,,",               # fine: new
            ",12345,外星队,书法(9)、绘画,第九网格,很多,-1,,,,休假,",  # everything wrong
            "赵丽华,13933334444,,,,,,,,,,",                      # same mobile as row 3
        ))
    assert _messages(refused.value) == [
        (4, "姓名", "Enter the volunteer's name."),
        (4, "手机号", "'12345' is not an 11-digit mobile number starting with 1."),
        (4, "队伍", "Unknown team: 外星队. Add it under Teams first, or correct the name."),
        (4, "技能(等级)", "Level of 书法 must be 1 to 5."),
        (4, "技能(等级)",
         "Unknown skill: 绘画. Add it under Skills first, or correct the name (write levels as 书法(2))."),
        (4, "网格", "Unknown grid: 第九网格. Add it under Grids first, or correct the name."),
        (4, "每周最多小时", "'很多' is not a number."),
        (4, "每周最多班次", "Enter a number from 0 to 100, or leave it empty."),
        (4, "状态", "Write 在册 or 停用."),
        (5, "手机号", "The same mobile number is already on row 3."),
    ]
    assert _state(river) == before
    assert user_by_mobile("13933334444") is None


@english
def test_a_mobile_number_of_another_account_is_refused(river, make_community, make_volunteer, make_coordinator):
    make_volunteer(make_community(slug="elsewhere"), mobile="13911112222")
    make_coordinator(river, mobile="13933334444")
    with pytest.raises(RosterImportError) as refused:
        _import(river, _csv("甲,13911112222", "乙,13933334444", header="姓名,手机号"))
    assert _messages(refused.value) == [
        (2, "手机号", "This mobile number belongs to another account."),
        (3, "手机号", "This mobile number belongs to another account."),
    ]


def test_english_headers_full_width_brackets_tabs_and_blank_rows_are_read(river):
    data = "name\tmobile\tskills（level）\n\n王秀英\t13911112222\t书法（2）\n\t\t\n".encode()
    assert _import(river, data).created == 1
    assert user_by_mobile("13911112222").profile.skill_levels() == {"calligraphy": 2}


def test_gb18030_csv_from_a_chinese_excel_is_read(river):
    assert _import(river, _csv("王秀英,13911112222,退休干部", header="姓名,手机号,队伍", encoding="gb18030")).created == 1
    assert user_by_mobile("13911112222").display_name == "王秀英"


@english
def test_a_mobile_number_that_excel_shortened_is_explained(river):
    with pytest.raises(RosterImportError) as refused:
        _import(river, _csv("王秀英,1.39111E+10", header="姓名,手机号"))
    assert "format the column as text" in str(refused.value.errors[0].message)


def test_status_column_deactivates_and_reactivates(river, make_volunteer):
    make_volunteer(river, name="王秀英", mobile="13911112222")
    _import(river, _csv("王秀英,13911112222,停用", header="姓名,手机号,状态"))
    assert user_by_mobile("13911112222").is_active is False
    _import(river, _csv("王秀英,13911112222,在册", header="姓名,手机号,状态"))
    db.session.expire_all()
    assert user_by_mobile("13911112222").is_active is True


# --------------------------------------------------------------------------- export and round trip


def test_csv_export_is_utf8_with_bom_and_the_spreadsheet_columns(river, make_volunteer):
    make_volunteer(river, name="王秀英", mobile="13911112222", teams=["retired_cadre", "party_member"],
                   skills={"calligraphy": 3, "first_aid": 1}, max_minutes_per_week=450)
    data = export_csv(db.session.scalars(volunteer_search(river)).all())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [column.header for column in COLUMNS]
    assert rows[0][:6] == ["姓名", "手机号", "队伍", "技能(等级)", "网格", "每周最多小时"]
    assert rows[1][:6] == ["王秀英", "13911112222", "退休干部、党员", "书法(3)、急救(1)", "", "7.5"]
    assert b"\r\n" in data


def test_export_neutralises_cells_a_spreadsheet_would_run(river, make_volunteer):
    user = make_volunteer(river, name="=HYPERLINK(\"http://evil\")", mobile="13911112222")
    user.profile.notes = "+cmd|' /C calc'!A0"
    db.session.commit()
    profiles = db.session.scalars(volunteer_search(river)).all()
    row = list(csv.reader(io.StringIO(export_csv(profiles).decode("utf-8-sig"))))[1]
    assert row[0].startswith("'=") and row[-1].startswith("'+")
    sheet = load_workbook(io.BytesIO(export_xlsx(profiles))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == '=HYPERLINK("http://evil")'
    # And it comes back as it was.
    _import(river, export_csv(profiles))
    db.session.expire_all()
    assert user_by_mobile("13911112222").display_name == '=HYPERLINK("http://evil")'


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_round_trip_changes_nothing_then_carries_edits(river, make_volunteer, kind):
    make_volunteer(river, name="王秀英", mobile="13911112222", teams=["retired_cadre"],
                   skills={"calligraphy": 3, "first_aid": 1}, grids=["grid-1"], max_minutes_per_week=450,
                   max_shifts_per_week=3, max_shifts_per_day=1, min_rest_minutes=30, max_consecutive_days=2)
    gone = make_volunteer(river, name="李建国", mobile="13933334444", teams=["student", "party_member"])
    gone.is_active = False
    gone.profile.notes = "出国半年，明年回来"
    db.session.commit()
    export = export_csv if kind == "csv" else export_xlsx
    before = _state(river)
    data = export(db.session.scalars(volunteer_search(river, status="all")).all())

    report = _import(river, data)
    assert (report.created, report.updated) == (0, 2)
    assert _state(river) == before

    # The coordinator edits the sheet: a level up, a new row; then imports it elsewhere too.
    if kind == "csv":
        text = data.decode("utf-8-sig").replace("书法(3)", "书法(4)")
        text += "赵丽华,13955556666,社工,急救(2),第二网格,4,,,,,在册,\r\n"
        edited = text.encode("utf-8-sig")
    else:
        workbook = load_workbook(io.BytesIO(data))
        sheet = workbook.active
        for row in sheet.iter_rows(min_row=2):
            if row[3].value and "书法(3)" in row[3].value:
                row[3].value = row[3].value.replace("书法(3)", "书法(4)")
        sheet.append(["赵丽华", 13955556666, "社工", "急救(2)", "第二网格", 4, None, None, None, None, "在册", None])
        buffer = io.BytesIO()
        workbook.save(buffer)
        edited = buffer.getvalue()
    report = _import(river, edited)
    assert (report.created, report.updated) == (1, 2)
    state = {row[1]: row for row in _state(river)}
    assert state["13911112222"][3] == [("calligraphy", 4), ("first_aid", 1)]
    assert state["13955556666"] == ("赵丽华", "13955556666", ["social_worker"], [("first_aid", 2)], ["grid-2"],
                                    240, None, None, None, None, True, "")
    assert state["13933334444"] == next(row for row in before if row[1] == "13933334444")
    assert state["13933334444"][10:] == (False, "出国半年，明年回来")


def test_xlsx_export_keeps_mobile_numbers_as_text(river, make_volunteer):
    make_volunteer(river, name="王秀英", mobile="13911112222")
    sheet = load_workbook(io.BytesIO(export_xlsx(db.session.scalars(volunteer_search(river)).all()))).active
    assert [cell.value for cell in sheet[1]] == [column.header for column in COLUMNS]
    assert sheet["B2"].value == "13911112222" and sheet["B2"].number_format == "@"


# --------------------------------------------------------------------------- hostile files


def _xlsx(rows, *, formula: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if formula:
        sheet["A3"] = formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@english
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02", "This file is not a spreadsheet. Upload a CSV or .xlsx file."),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "This file is not a spreadsheet. Upload a CSV or .xlsx file."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
         "This is an old Excel (.xls) file. In Excel choose 'Save as' and pick .xlsx or CSV."),
        (b"PK\x03\x04 this is not really a zip", "This file is not a spreadsheet. Upload a CSV or .xlsx file."),
        ("名字,电话号码\n王秀英,13911112222\n".encode(),
         "The first row must name the columns; 手机号 is missing. Export the roster to see the expected columns."),
    ],
    ids=["empty", "pdf", "png", "xls", "broken-zip", "no-mobile-column"],
)
def test_files_that_are_not_rosters_are_refused_whole(data, message, app):
    with pytest.raises(RosterFileError) as refused:
        read_roster(data)
    assert str(refused.value.message) == message


@english
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_row_numbers_are_the_sheets_own_blank_rows_included(river, kind):
    rows = [["姓名", "手机号"], ["甲", "13911112222"], [None, None], [None, None], ["乙", "1391111"]]
    if kind == "csv":
        data = "\r\n".join(",".join(cell or "" for cell in row) for row in rows).encode()
    else:
        data = _xlsx(rows)
    with pytest.raises(RosterImportError) as refused:
        _import(river, data)
    assert [(e.row, e.column) for e in refused.value.errors] == [(5, "手机号")]


def test_a_workbook_claiming_a_million_rows_and_columns_is_read_as_it_is(app):
    """A forged ``<dimension>`` must not make every row 16384 cells long."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx([["姓名", "手机号"], ["甲", "13911112222"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as forged:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:XFD1048576"/>', content)
                assert count == 1
            forged.writestr(entry, content)
    sheet = read_roster(buffer.getvalue())
    assert [values for _, values in sheet.rows] == [{"name": "甲", "mobile": "13911112222"}]


@english
def test_a_zip_that_is_not_a_workbook_is_refused(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(RosterFileError, match="not an Excel workbook"):
        read_roster(buffer.getvalue())


@english
def test_a_zip_bomb_is_refused_before_it_is_unpacked(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < MAX_FILE_BYTES
    with pytest.raises(RosterFileError, match="unpacks to too much data"):
        read_roster(buffer.getvalue())


@english
def test_a_huge_file_is_refused(app):
    with pytest.raises(RosterFileError, match="too large"):
        read_roster(_csv(*["王秀英,13911112222"] * (MAX_FILE_BYTES // 10), header="姓名,手机号"))


@english
def test_too_many_rows_are_refused(app):
    with pytest.raises(RosterFileError, match="too many rows"):
        read_roster(_csv(*[f"甲,139{n:08d}" for n in range(MAX_ROWS + 1)], header="姓名,手机号"))


@english
def test_formulas_are_refused_with_their_cell(river):
    with pytest.raises(RosterImportError) as refused:
        _import(river, _csv('"=HYPERLINK(""http://x"",""点我"")",13911112222', "乙,@SUM(1+1)", header="姓名,手机号"))
    assert _messages(refused.value) == [
        (2, "姓名", "Contains a formula; paste values only."),
        (3, "手机号", "Contains a formula; paste values only."),
    ]
    with pytest.raises(RosterImportError) as refused:
        _import(river, _xlsx([["姓名", "手机号"], ["甲", "13911112222"], [None, "13933334444"]],
                             formula='=CONCAT("王","秀英")'))
    assert _messages(refused.value) == [(3, "姓名", "Contains a formula; paste values only.")]
    assert db.session.query(User).filter(User.mobile.in_(["13911112222", "13933334444"])).count() == 0


def test_a_damaged_workbook_is_refused(app):
    data = bytearray(_xlsx([["姓名", "手机号"], ["甲", "13911112222"]]))
    # Keep the zip directory (so it is recognised) but break the sheet's compressed data.
    start = data.find(b"xl/worksheets/sheet1.xml") + 40
    data[start:start + 60] = b"\x00" * 60
    with pytest.raises(RosterFileError):
        read_roster(bytes(data))


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def coordinator(client, login, river, make_coordinator):
    user = make_coordinator(river)
    login(client, user)
    return user


def _upload(client, data: bytes, filename: str = "名单.csv"):
    return client.post(
        "/admin/test/volunteers/import",
        data={"roster": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_import_page_shows_row_errors_then_imports_the_fixed_file(client, coordinator, river):
    bad = _csv("王秀英,13911112222,退休干部,,,,,,,,,", "李建国,1391111,党员,,,,,,,,,")
    response = _upload(client, bad)
    assert response.status_code == 400
    text = page_text(response)
    assert "未导入任何数据：有 1 处问题需要改正" in text
    assert "3 手机号 “1391111”不是以 1 开头的 11 位手机号码。" in text
    assert db.session.query(VolunteerProfile).count() == 0

    fixed = _csv("王秀英,13911112222,退休干部,,,,,,,,,", "李建国,13911113333,党员,,,,,,,,,")
    response = _upload(client, fixed)
    assert response.status_code == 302
    listed = page_text(client.get(response.headers["Location"]))
    assert "已导入 2 位志愿者：新增 2 位，更新 0 位。" in listed
    assert "王秀英" in listed and "李建国" in listed


def test_import_page_refuses_a_file_that_is_not_a_spreadsheet(client, coordinator):
    response = _upload(client, b"\x7fELF\x02\x01\x01\x00" + bytes(range(200)), "virus.csv")
    assert response.status_code == 400
    assert "这不是表格文件，请上传 CSV 或 .xlsx 文件。" in page_text(response)


def test_import_page_refuses_an_upload_over_the_limit_before_reading_it(client, coordinator):
    # The body is built here, in memory: the test client would spool a large upload to a
    # temporary file that nobody closes once the server refuses to read it.
    boundary = "----roster"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="roster"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + b"a" * (MAX_FILE_BYTES + 200 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(
        "/admin/test/volunteers/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "文件太大" in page_text(response)


def test_import_without_a_file_says_so(client, coordinator):
    response = client.post("/admin/test/volunteers/import", data={}, content_type="multipart/form-data")
    assert "请选择要导入的文件。" in page_text(response)


@pytest.mark.parametrize(("kind", "mimetype"), [
    ("csv", "text/csv"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_export_downloads_every_volunteer_of_the_community_only(
    client, coordinator, river, make_volunteer, make_community, kind, mimetype
):
    make_volunteer(river, name="王秀英", mobile="13911112222")
    make_volunteer(make_community(slug="other"), name="外社区", mobile="13933334444")
    response = client.get(f"/admin/test/volunteers/export.{kind}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.headers["Content-Disposition"].startswith("attachment;")
    sheet = read_roster(response.data)
    assert [values["name"] for _, values in sheet.rows] == ["王秀英"]
