"""An evidence upload over the limit is refused from its Content-Length, before the body is
read (not even by the CSRF check), with the same message as the per-file size refusal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from evidence.models import EvidenceFile, EvidenceItem
from tests.builders import open_case
from tests.evidence.test_uploads import files_on_disk, form_data

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class UnreadableBody:
    """A wsgi.input that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read

    def __iter__(self):
        raise AssertionError("the request body was read")


def _post_headers_only(client, case, length, **extra):
    return client.generic(
        "POST",
        reverse("casework:evidence_add", args=[case.uuid]),
        b"",
        content_type="multipart/form-data; boundary=----unread",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody()},
        **extra,
    )


@pytest.fixture
def case(location, quality_lead):
    return open_case(location=location, actor=quality_lead)


@pytest.fixture
def csrf_client(team_leader):
    # With CSRF checks on, the CSRF middleware would read the form for its token: the size
    # check has to come first.
    client = Client(enforce_csrf_checks=True)
    client.force_login(team_leader)
    return client


def test_an_oversized_upload_is_refused_before_its_body_is_read(csrf_client, case, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    response = _post_headers_only(csrf_client, case, 50 * MB)
    assert response.status_code == 413
    page = response.content.decode()
    assert "The upload is 50.0 MB; the limit is 1 MB." in page
    assert "Nothing was saved" in page
    assert EvidenceItem.objects.count() == 0 and files_on_disk() == []


def test_an_oversized_htmx_upload_shows_the_message_beside_the_form(csrf_client, case, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    response = _post_headers_only(csrf_client, case, 50 * MB, HTTP_HX_REQUEST="true")
    assert response.status_code == 413
    # Only the message, put into the form's error area: the form keeps what was typed.
    assert response["HX-Retarget"] == "#evidence-upload-error"
    assert response["HX-Reswap"] == "innerHTML"
    assert "The upload is 50.0 MB; the limit is 1 MB." in response.content.decode()
    assert "<html" not in response.content.decode()


def test_the_case_page_has_the_area_for_that_message(client, case, team_leader):
    client.force_login(team_leader)
    page = client.get(reverse("casework:case_detail", args=[case.uuid])).content.decode()
    assert 'id="evidence-upload-error"' in page


def test_the_refusal_does_not_need_a_login_or_read_the_body(case, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    response = _post_headers_only(Client(), case, 5 * MB)
    assert response.status_code == 413


def test_an_upload_within_the_limit_and_the_allowance_reaches_the_form(
    client, case, team, team_leader, settings
):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    client.force_login(team_leader)
    content = b"a" * MB  # exactly the limit, plus the form fields and multipart framing
    response = client.post(
        reverse("casework:evidence_add", args=[case.uuid]),
        form_data(team, [SimpleUploadedFile("limit.txt", content)]),
    )
    assert response.status_code == 302
    assert EvidenceFile.objects.get().size == MB


def test_several_files_together_over_the_limit_are_refused_with_a_message(
    client, case, team, team_leader, settings
):
    """The limit is for one upload, all its files together, as the size check before the
    body is read counts them."""
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    client.force_login(team_leader)
    files = [SimpleUploadedFile(f"part{i}.txt", b"a" * (600 * 1024)) for i in range(2)]
    response = client.post(
        reverse("casework:evidence_add", args=[case.uuid]), form_data(team, files)
    )
    assert response.status_code == 200
    errors = " ".join(response.context["evidence_form"].errors["files"])
    assert "The files come to 1.2 MB together; the limit is 1 MB for one upload." in errors
    assert EvidenceItem.objects.count() == 0 and files_on_disk() == []


def test_other_form_data_over_djangos_limit_is_refused_with_a_clear_400(
    client, case, registered_manager
):
    client.force_login(registered_manager)
    response = client.post(
        reverse("casework:case_status", args=[case.uuid]),
        {"status": "closed", "reason": "x" * (1100 * 1024)},
    )
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "open"
