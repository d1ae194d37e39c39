"""Reading a people CSV: header, encodings, line numbers, values, and files refused as a whole."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mentorship.imports.services import MAX_ROWS, people_csv_parse

HEADER = "external_id,email,first_name,last_name"


def file_error(data: bytes, **limits: int) -> str:
    with pytest.raises(ValidationError) as exc:
        people_csv_parse(data, **limits)
    return " ".join(exc.value.message_dict["file"])


def test_rows_keep_the_line_they_start_on_counting_the_header_as_line_1() -> None:
    data = (
        f"{HEADER},job_title\n"
        "E1,ada@example.com,Ada,Lovelace,Engineer\n"
        "\n"
        'E2,alan@example.com,Alan,Turing,"Code\nbreaker"\n'
        "E3,grace@example.com,Grace,Hopper,Admiral\n"
    ).encode()
    parsed = people_csv_parse(data)
    assert parsed.lines == [2, 4, 6]
    assert [row["external_id"] for row in parsed.rows] == ["E1", "E2", "E3"]
    assert parsed.rows[1]["job_title"] == "Code\nbreaker"
    assert parsed.errors == {}


def test_utf8_with_a_byte_order_mark_and_any_column_order_and_case_are_read() -> None:
    data = "\ufeffFirst Name,Last_Name,EMAIL,External_ID\nZoë,Ødegård,zoe@example.com,E1\n"
    parsed = people_csv_parse(data.encode("utf-8"))
    assert parsed.columns == ["first_name", "last_name", "email", "external_id"]
    assert parsed.rows == [
        {
            "first_name": "Zoë",
            "last_name": "Ødegård",
            "email": "zoe@example.com",
            "external_id": "E1",
        }
    ]


def test_semicolon_separated_files_from_spreadsheets_are_read() -> None:
    parsed = people_csv_parse(b"external_id;email;first_name;last_name\nE1;a@example.com;A;B\n")
    assert parsed.rows[0]["email"] == "a@example.com"


def test_values_stay_text_for_the_service_to_read() -> None:
    data = (
        f"{HEADER},is_hr_admin,mentor_capacity,manager_external_id\n"
        "E1,a@example.com,A,B,yes,3,\n"
        " E2 , b@example.com ,B,C,,,E1\n"
    ).encode()
    first, second = people_csv_parse(data).rows
    assert (first["is_hr_admin"], first["mentor_capacity"], first["manager_external_id"]) == (
        "yes",
        "3",
        "",
    )
    assert (second["external_id"], second["email"]) == ("E2", "b@example.com")


def test_a_line_with_more_values_than_columns_is_reported_by_line() -> None:
    data = f"{HEADER}\nE1,a@example.com,A,B\nE2,b@example.com,B,C,extra\n".encode()
    parsed = people_csv_parse(data)
    assert list(parsed.errors) == [3]
    assert "5 values but the header names 4 columns" in parsed.errors[3]["row"][0]
    assert len(parsed.rows) == 2  # still checked, so that other lines can refer to it


def test_short_lines_read_as_empty_trailing_cells() -> None:
    parsed = people_csv_parse(f"{HEADER},job_title\nE1,a@example.com,A\n".encode())
    assert parsed.rows[0] == {
        "external_id": "E1",
        "email": "a@example.com",
        "first_name": "A",
        "last_name": "",
        "job_title": "",
    }


def test_a_quoted_formula_from_an_export_is_imported_as_written() -> None:
    parsed = people_csv_parse(f"{HEADER},job_title\nE1,a@example.com,A,B,'=Boss\n".encode())
    assert parsed.rows[0]["job_title"] == "=Boss"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty. Download the template and fill in one row per person."),
        (b"   \n\n", "The file is empty"),
        (f"{HEADER}\n".encode(), "no people: add one row per person below it."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        ("external_id,email,first_name,last_name\nE1,é,A,B\n".encode("latin-1"), "not UTF-8"),
        (b"id,mail,name\n1,a@example.com,A\n", "unknown column(s): id, mail, name"),
        (b"external_id,email\nE1,a@example.com\n", "missing the column(s) first_name, last_name"),
        (b"external_id,email,email,first_name,last_name\n", "names these columns twice: email"),
        (b"external_id,,email,first_name,last_name\n", "Column 2 of the header has no name"),
        (f'{HEADER}\nE1,"a@example.com,A,B\n'.encode(), "not valid CSV"),
    ],
)
def test_files_that_are_not_a_people_csv_are_refused_with_a_clear_message(
    data: bytes, message: str
) -> None:
    assert message in file_error(data)


def test_too_big_and_too_long_files_are_refused() -> None:
    data = (HEADER + "\n" + "E1,a@example.com,A,B\n" * 3).encode()
    assert "larger than" in file_error(data, max_bytes=len(data) - 1)
    assert "more than 2 people" in file_error(data, max_rows=2)
    assert MAX_ROWS == 20_000


def test_an_upload_declaring_more_than_the_limit_is_refused_before_reading() -> None:
    class Upload:
        size = 11 * 1024 * 1024

        def read(self, n: int) -> bytes:  # pragma: no cover - must not be called
            raise AssertionError("read a file known to be too big")

    assert "larger than 10 MB" in file_error(Upload())  # type: ignore[arg-type]
