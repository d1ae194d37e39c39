"""The people CSV import in the browser: upload, preview, confirm, progress and result."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mentorship import services
from mentorship.models import AuditEntry, Employee, PeopleImport
from mentorship.tasks import people_import_run
from tests.factories import DepartmentFactory

URL = "/o/acme/people/import/"
HEADER = "external_id,email,first_name,last_name,department_code,manager_external_id,active"


def csv_file(*lines: str, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def upload(client: Any, *lines: str, **extra: Any) -> Any:
    return client.post(URL, {"file": csv_file(*lines)}, **extra)


def detail_url(people_import: PeopleImport) -> str:
    return f"{URL}{people_import.pk}/"


GOOD = (
    HEADER,
    "N1,nadia@acme.test,Nadia,Boss,ENG,,true",
    "N2,noah@acme.test,Noah,Report,ENG,N1,yes",
)


def people_count(org: Any) -> int:
    return Employee.objects.filter(organization=org).count()


# --- Upload and preview ---------------------------------------------------------------------------


def test_upload_page_explains_the_columns_and_offers_the_template(client_for, hr) -> None:
    response = client_for(hr).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Import people</h1>" in body
    assert 'href="/o/acme/people/import/template.csv"' in body
    assert "No imports yet" in body and "fill in one row per person" in body
    assert 'for="id_file"' in body  # the file input is labelled


def test_template_has_the_columns_and_example_people_that_import(client_for, hr) -> None:
    response = client_for(hr).get(f"{URL}template.csv")
    assert response.status_code == 200
    assert 'filename="people-import-template.csv"' in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("external_id,email,first_name,last_name,job_title,")
    assert len(lines) == 3
    DepartmentFactory(organization=hr.organization, code="ENG")
    created = client_for(hr).post(
        URL, {"file": SimpleUploadedFile("t.csv", "\n".join(lines).encode())}
    )
    people_import = PeopleImport.objects.get()
    assert created.status_code == 302, people_import.errors
    assert people_import.counts["created"] == 2


def test_a_valid_file_is_previewed_with_counts_and_nothing_written(
    client_for, hr, manager, employee
) -> None:
    before = people_count(hr.organization)
    response = upload(
        client_for(hr),
        *GOOD,
        f"{employee.external_id},employee@acme.test,Emma,Stone-Lee,ENG,{manager.external_id},true",
        f"{manager.external_id},manager@acme.test,Mark,Ito,ENG,,true",
    )

    people_import = PeopleImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(people_import)
    assert people_import.status == PeopleImport.Status.VALIDATED
    assert people_import.uploaded_by == hr
    assert people_import.total_rows == 4
    assert people_import.counts == {
        "created": 2,
        "updated": 1,
        "unchanged": 1,
        "deactivated": 0,
        "reactivated": 0,
    }
    assert people_count(hr.organization) == before

    page = client_for(hr).get(detail_url(people_import)).content.decode()
    assert "Every line is valid" in page
    assert "Import 4 people" in page
    assert 'id="import-counts"' in page


def test_invalid_lines_are_listed_by_line_and_column_and_nothing_is_kept(
    client_for, hr, manager
) -> None:
    response = upload(
        client_for(hr),
        HEADER,
        "N1,nadia@acme.test,Nadia,Boss,ENG,,true",
        "N2,not-an-email,Noah,Report,NOPE,N9,maybe",
        'N3,olga@acme.test,"Olga',
        'Multi",Line,ENG,N1,true',
        "N1,nadia2@acme.test,Nadia,Again,ENG,,true",
        "N4,pia@acme.test,Pia,Extra,ENG,N1,true,surplus",
    )

    people_import = PeopleImport.objects.get()
    assert response.status_code == 302
    assert people_import.status == PeopleImport.Status.INVALID
    assert people_import.rows == [] and people_import.counts == {}
    errors = {e["line"]: e for e in people_import.errors}
    assert set(errors) == {3, 6, 7}
    assert set(errors[3]["errors"]) == {"email", "department_code", "manager_external_id", "active"}
    assert errors[3]["external_id"] == "N2"
    assert set(errors[6]["errors"]) == {"external_id"}
    assert "more than once" in errors[6]["errors"]["external_id"][0]
    assert "8 values but the header names 7 columns" in errors[7]["errors"]["row"][0]
    assert Employee.objects.filter(external_id__startswith="N").count() == 0

    page = client_for(hr).get(detail_url(people_import)).content.decode()
    assert "3 lines of this file have errors; nothing was imported." in page
    assert '<button class="btn btn-primary" type="button" disabled' in page
    assert "No department has the code “NOPE”." in page
    assert f'href="{detail_url(people_import)}errors.csv"' in page


def test_errors_download_as_csv(client_for, hr, manager) -> None:
    upload(client_for(hr), HEADER, "N2,not-an-email,Noah,Report,ENG,,true")
    people_import = PeopleImport.objects.get()
    response = client_for(hr).get(f"{detail_url(people_import)}errors.csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines == ["line,external_id,column,message", "2,N2,email,Enter a valid e-mail address."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty. Download the template and fill in one row per person."),
        (b"name,mail\nAda,ada@example.com\n", "unknown column(s): name, mail"),
        (b"\x00\x01\x02PK\x03\x04", "not a CSV file"),
        ("external_id,email,first_name,last_name\nE1,é,A,B\n".encode("cp1252"), "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_people_csv_is_refused_and_nothing_stored(
    client_for, hr, content, message
) -> None:
    response = client_for(hr).post(URL, {"file": SimpleUploadedFile("x.csv", content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Nothing was stored or imported." in response.content.decode()
    assert not PeopleImport.objects.exists()


def test_a_file_over_10_mb_is_refused(client_for, hr) -> None:
    big = b"external_id,email,first_name,last_name\n" + b"x" * (10 * 1024 * 1024)
    response = client_for(hr).post(URL, {"file": SimpleUploadedFile("big.csv", big)})
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()
    assert not PeopleImport.objects.exists()


def test_no_file_is_a_field_error(client_for, hr) -> None:
    response = client_for(hr).post(URL, {})
    assert response.status_code == 400
    assert "Choose the CSV file to import." in response.content.decode()


def test_htmx_upload_swaps_errors_in_place_and_redirects_when_checked(
    client_for, hr, manager
) -> None:
    client = client_for(hr)
    refused = client.post(URL, {"file": csv_file("nope")}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    assert 'id="upload"' in refused.content.decode()
    assert "<html" not in refused.content.decode()

    accepted = upload(client, *GOOD, HTTP_HX_REQUEST="true")
    assert accepted.status_code == 200
    assert accepted["HX-Redirect"] == detail_url(PeopleImport.objects.get())


# --- Confirm, progress, result --------------------------------------------------------------------


def test_confirm_imports_in_the_background_and_shows_the_result(
    client_for, hr, manager, django_capture_on_commit_callbacks
) -> None:
    client = client_for(hr)
    upload(client, *GOOD)
    people_import = PeopleImport.objects.get()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"{detail_url(people_import)}confirm/")

    assert len(callbacks) == 1
    assert response.status_code == 302
    people_import.refresh_from_db()
    assert people_import.status == PeopleImport.Status.DONE
    assert people_import.confirmed_by == hr
    assert people_import.processed_rows == people_import.total_rows == 2
    assert people_import.counts["created"] == 2
    assert people_import.rows == [] and people_import.finished_at is not None
    nadia = Employee.objects.get(organization=hr.organization, external_id="N1")
    noah = Employee.objects.get(organization=hr.organization, external_id="N2")
    assert noah.manager == nadia and nadia.department == manager.department
    assert AuditEntry.objects.filter(subject_type="people_import", action="done").exists()

    page = client.get(detail_url(people_import)).content.decode()
    assert "Import finished" in page and "every 1s" not in page


def test_progress_is_polled_while_importing_and_stops_when_done(client_for, hr) -> None:
    people_import = PeopleImport.objects.create(
        organization=hr.organization,
        uploaded_by=hr,
        file_name="big.csv",
        status=PeopleImport.Status.IMPORTING,
        total_rows=10_000,
        processed_rows=4_000,
    )
    client = client_for(hr)
    page = client.get(detail_url(people_import)).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'aria-valuenow="40"' in page and "4,000 of 10,000" in page

    poll = client.get(detail_url(people_import), HTTP_HX_REQUEST="true")
    assert "<html" not in poll.content.decode() and 'hx-trigger="every 1s"' in poll.content.decode()
    assert "HX-Trigger" not in poll

    PeopleImport.objects.filter(pk=people_import.pk).update(
        status=PeopleImport.Status.DONE, processed_rows=10_000, counts={"created": 10_000}
    )
    poll = client.get(detail_url(people_import), HTTP_HX_REQUEST="true")
    assert "every 1s" not in poll.content.decode()
    assert "Import finished" in poll.content.decode()
    assert 'id="import-badge" hx-swap-oob="true"' in poll.content.decode()  # title follows
    assert "Import finished" in poll["HX-Trigger"]


def test_htmx_confirm_swaps_in_the_progress(
    client_for, hr, manager, django_capture_on_commit_callbacks
) -> None:
    client = client_for(hr)
    upload(client, *GOOD)
    people_import = PeopleImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"{detail_url(people_import)}confirm/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.content.decode()
    assert "Import started" in response["HX-Trigger"]


def test_an_invalid_import_cannot_be_confirmed(client_for, hr) -> None:
    upload(client_for(hr), HEADER, "N2,not-an-email,Noah,Report,ENG,,true")
    people_import = PeopleImport.objects.get()
    response = client_for(hr).post(f"{detail_url(people_import)}confirm/")
    assert response.status_code == 400
    assert "Only a checked file without errors can be imported" in response.content.decode()
    assert not Employee.objects.filter(external_id="N2").exists()


def test_confirming_twice_imports_once(
    client_for, hr, manager, django_capture_on_commit_callbacks
) -> None:
    client = client_for(hr)
    upload(client, *GOOD)
    people_import = PeopleImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"{detail_url(people_import)}confirm/")
        second = client.post(f"{detail_url(people_import)}confirm/")
    assert second.status_code == 302
    assert len(callbacks) == 1


def test_importing_the_same_file_again_changes_nothing(
    client_for, hr, manager, django_capture_on_commit_callbacks
) -> None:
    client = client_for(hr)
    for _ in range(2):
        upload(client, *GOOD)
        people_import = PeopleImport.objects.order_by("-id").first()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{detail_url(people_import)}confirm/")
    people_import.refresh_from_db()
    assert people_import.counts == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "deactivated": 0,
        "reactivated": 0,
    }


def test_a_file_can_deactivate_people(
    client_for, hr, manager, employee, django_capture_on_commit_callbacks
) -> None:
    client = client_for(hr)
    upload(client, HEADER, f"{employee.external_id},employee@acme.test,Emma,Stone,ENG,,false")
    people_import = PeopleImport.objects.get()
    assert people_import.counts["deactivated"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{detail_url(people_import)}confirm/")
    employee.refresh_from_db()
    assert not employee.is_active


# --- Access ---------------------------------------------------------------------------------------


@pytest.fixture
def acme_import(hr) -> PeopleImport:
    return PeopleImport.objects.create(
        organization=hr.organization, uploaded_by=hr, file_name="a.csv", status="validated"
    )


@pytest.mark.parametrize("suffix", ["", "template.csv", "{pk}/", "{pk}/errors.csv"])
def test_pages_need_sign_in_membership_and_hr(
    client, client_for, employee, outsider, acme_import, suffix
) -> None:
    url = URL + suffix.format(pk=acme_import.pk)
    assert client.get(url).status_code == 302
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(employee).get(url).status_code == 403


def test_confirm_needs_hr_and_the_organisation(client_for, employee, outsider, acme_import) -> None:
    url = f"{URL}{acme_import.pk}/confirm/"
    assert client_for(employee).post(url).status_code == 403
    assert client_for(outsider).post(url).status_code == 404
    acme_import.refresh_from_db()
    assert acme_import.status == PeopleImport.Status.VALIDATED


def test_another_organisations_import_is_not_found(client_for, outsider, hr, acme_import) -> None:
    own = client_for(outsider).get(f"/o/globex/people/import/{acme_import.pk}/")
    assert own.status_code == 404
    assert (
        client_for(outsider).post(f"/o/globex/people/import/{acme_import.pk}/confirm/").status_code
        == 404
    )
    assert b"a.csv" not in client_for(outsider).get("/o/globex/people/import/").content


def test_the_upload_page_lists_recent_imports_without_an_n_plus_1(
    client_for, hr, acme_import, django_assert_max_num_queries
) -> None:
    for n in range(5):
        PeopleImport.objects.create(
            organization=hr.organization,
            uploaded_by=hr,
            file_name=f"file-{n}.csv",
            status="done",
            total_rows=n,
        )
    client = client_for(hr)
    with django_assert_max_num_queries(8):
        body = client.get(URL).content.decode()
    assert "file-4.csv" in body and "a.csv" in body


def test_the_task_is_safe_to_run_twice(client_for, hr, manager) -> None:
    upload(client_for(hr), *GOOD)
    people_import = PeopleImport.objects.get()
    PeopleImport.objects.filter(pk=people_import.pk).update(status="importing")
    assert people_import_run(people_import.pk)["status"] == "done"
    assert people_import_run(people_import.pk) == {"import": people_import.pk, "status": "skipped"}
    assert people_import_run(999_999) == {"import": 999_999, "status": "skipped"}
    assert Employee.objects.filter(external_id__in=["N1", "N2"]).count() == 2


def test_a_change_after_the_preview_that_breaks_a_row_imports_nothing(
    client_for, hr, manager, django_capture_on_commit_callbacks
) -> None:
    client = client_for(hr)
    upload(client, *GOOD)
    people_import = PeopleImport.objects.get()
    # Meanwhile someone else adds a person with the e-mail address of the second row.
    services.employee_create(
        organization=hr.organization,
        actor=hr,
        email="noah@acme.test",
        first_name="Noah",
        last_name="Early",
        external_id="X1",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{detail_url(people_import)}confirm/")
    people_import.refresh_from_db()
    assert people_import.status == PeopleImport.Status.FAILED
    assert people_import.errors[0]["line"] == 3
    assert not Employee.objects.filter(external_id="N1").exists()
    page = client.get(detail_url(people_import)).content.decode()
    assert "The import stopped." in page and "Nothing was imported." in page
