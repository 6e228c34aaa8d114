"""Column roles: by header words and by what the cells hold, whatever the column order."""

from __future__ import annotations

from html import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.model import Source
from scraper.parse.columns import assign_columns, header_role
from scraper.parse.page import parse_page

# One header per role, as the catalog's pages write them.
ROLE_HEADERS = {
    "code": ["Code", "CODE", "错误码", "Error Code", "返回码", "code"],
    "http_status": ["HTTP", "HTTP Status Code", "HTTP CODE", "HTTP Status", "HTTP 返回码"],
    "message": ["Error Message", "MESSAGE", "message", "content", "提示信息", "Err Message"],
    "description": ["说明", "描述", "DESC", "DESCRIPTION", "错误码描述", "状态说明"],
    "detail": ["详细解释", "备注", "Remarks", "Detailed Explanation"],
    "advice": ["操作建议", "Advice"],
}
EXTRA_HEADERS = ["版本", "Since", "平台", "Category"]
# Letters, digits, CJK, full-width and ASCII punctuation and spaces, as the pages' cells hold:
# a fixed alphabet keeps generation fast on a loaded machine.
texts = st.text(alphabet="abcXYZ019 登录失败参数（），。：%@-_/()$[]\u3000", max_size=12).map(
    lambda text: " ".join(text.split())
)


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("HTTP Status Code", "http_status"),
        ("错误码描述", "description"),
        ("MQTT外部错误码描述信息", "description"),
        ("Error Code", "code"),
        ("errcode", "code"),
        ("UTF-8 encoded", None),
        ("POST https://api.sms.jpush.cn/v1/codes", None),
        ("变量名必须为 code", "code"),
        ("**Code**:", "code"),
        ("Key", "name"),
        ("操作建议", "advice"),
        ("Value 内容说明", "description"),
    ],
    ids=str,
)
def test_header_role(header: str, role: str | None) -> None:
    assert header_role(header) == role


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], dict[str, int], int]:
    """A header of some roles in any order (always a code), its rows, the roles' columns,
    and how many extra columns it has."""
    others = sorted(set(ROLE_HEADERS) - {"code"})
    roles = ["code", *draw(st.lists(st.sampled_from(others), unique=True))]
    extras = draw(st.lists(st.sampled_from(EXTRA_HEADERS), unique=True, max_size=2))
    columns: list[tuple[str, str | None]] = [
        (draw(st.sampled_from(ROLE_HEADERS[role])), role) for role in roles
    ] + [(name, None) for name in extras]
    columns = draw(st.permutations(columns))
    header = [name for name, _ in columns]
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row = []
        for _name, role in columns:
            if role == "code":
                row.append(str(draw(st.integers(-10, 10**9))))
            elif role == "http_status":
                row.append(str(draw(st.sampled_from([200, 400, 401, 403, 404, 500]))))
            else:
                row.append(draw(texts))
        rows.append(row)
    expected = {role: index for index, (_, role) in enumerate(columns) if role is not None}
    return header, rows, expected, len(extras)


@given(tables())
@settings(deadline=None)
def test_every_role_is_found_in_any_column_order(
    table: tuple[list[str], list[list[str]], dict[str, int], int],
) -> None:
    header, rows, expected, _extras = table
    columns = assign_columns(header, rows).columns
    assert columns is not None
    assert dict(columns.roles) == expected


@given(tables())
@settings(max_examples=40, deadline=None)
def test_every_cell_of_a_code_row_is_kept(
    table: tuple[list[str], list[list[str]], dict[str, int], int],
) -> None:
    """Rows -> an HTML page -> records: each cell is back in its role's field or in extra."""
    header, rows, expected, _extras = table
    html = "<h2>错误码</h2><table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header)
    html += "</tr>" + "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    html += "</table>"
    source = Source("page", "https://docs.example/", None, "server", product="JPush")
    records = [record for record, _ in parse_page(html, source).records]
    # A row repeating an earlier one cell for cell is reported, not kept twice.
    unique = list(dict.fromkeys(tuple(row) for row in rows))
    assert len(records) == len(unique)
    for record, row in zip(records, unique, strict=True):
        for role, index in expected.items():
            if role == "code":
                assert (record.code, record.code_text) == (int(row[index]), row[index])
            elif role == "http_status":
                assert record.http_status == int(row[index])
            else:
                assert getattr(record, role) == row[index]
        for index, name in enumerate(header):
            if index not in expected.values() and row[index]:
                assert record.extra[name] == row[index]
        assert record.product == "JPush"
        assert record.sdk == "JPush"


@given(st.lists(st.sampled_from(["msgId", "phone", "tempId", "signId", "status"]), min_size=1))
def test_a_parameter_table_is_never_an_error_table(names: list[str]) -> None:
    rows = [[name, "String", "说明"] for name in names]
    verdict = assign_columns(["CODE", "TYPE", "DESCRIPTION"], rows)
    assert verdict.columns is None
    assert verdict.problem is None


def test_constants_beside_numbers_are_the_names() -> None:
    rows = [["JIOT_SUCCESS", "0x00000000", "成功"], ["JIOT_ERR_AUTH_ERR", "10001", "认证失败"]]
    columns = assign_columns(["错误码", "Code", "描述"], rows).columns
    assert columns is not None
    assert dict(columns.roles) == {"code": 1, "name": 0, "description": 2}


def test_an_http_column_alone_is_the_code() -> None:
    columns = assign_columns(["HTTP Status", "描述"], [["200", "OK"], ["404", "Not Found"]])
    assert columns.columns is not None
    assert dict(columns.columns.roles) == {"code": 0, "description": 1}


def test_a_code_column_without_codes_is_a_problem() -> None:
    verdict = assign_columns(["Code", "说明"], [["黑名单", "被叫号码为运营商黑名单"]])
    assert verdict.columns is None
    assert verdict.problem == (
        "the column 'Code' holds no codes (1 cell(s), none a number); if this table lists "
        'codes, name its columns in the source (columns = { code = "..." })'
    )


def test_a_named_code_column_takes_words_as_codes() -> None:
    verdict = assign_columns(
        ["发送状态", "状态说明", "操作建议"],
        [["黑名单", "被叫号码为运营商黑名单", "联系运营商解除"]],
        {"code": ("发送状态",), "advice": ("操作建议",)},
    )
    assert verdict.columns is not None
    assert verdict.columns.text_codes
    assert dict(verdict.columns.roles) == {"code": 0, "description": 1, "advice": 2}
