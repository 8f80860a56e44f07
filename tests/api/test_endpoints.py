"""The endpoints: what each shows, the pages' filters (a refused value is a 400 with a
message), cursor pages, and file reads recorded like downloads."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assurance.cases.models import StepRecord
from assurance.judgement import services as judgement_services
from domains.models import EvidenceCategory, KeyQuestion
from domains.roles import Role
from evidence import services as evidence_services
from evidence.models import EvidenceFileDownload
from reports.models import ReportDownload, ReportKind, ReportRun, RunStatus
from tests.assurance.reviews.conftest import escalation, monthly_review, quarterly_review
from tests.builders import add_evidence, open_case

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def with_file(case, actor, name="June audit.pdf", content=PDF, team=None):
    return evidence_services.evidence_add(
        actor=actor,
        actor_roles={Role.QUALITY_LEAD},
        case=case,
        step_number=case.current_step,
        source="audits",
        category=EvidenceCategory.objects.get(name="Processes"),
        occurred_on=timezone.localdate() - timedelta(days=2),
        team=team,
        summary="June audit: all actions closed on time.",
        files=[SimpleUploadedFile(name, content)],
    )


@pytest.fixture
def judged(at_step_five, registered_manager):
    """A case at step 5 judged service-wide on thin evidence: the judgement exceeds it."""
    judgement_services.judgement_record(
        actor=registered_manager,
        actor_roles={Role.REGISTERED_MANAGER},
        case=at_step_five,
        version=StepRecord.objects.get(case=at_step_five, number=5).version,
        level="service_wide",
        key_questions=[KeyQuestion.objects.get(slug="well_led")],
        not_yet="Safe: practice still mixed.",
        rationale="Audits improved.",
        escalate=False,
        overclaim_justification="We saw the night team apply the escalation sheet on four "
        "informal walkabouts; formal checks are booked for next month and we will re-record "
        "if they do not confirm it.",
    )
    at_step_five.refresh_from_db()
    return at_step_five


def test_a_case_shows_its_steps_judgement_supportable_level_and_flags(
    api_as, judged, viewer, quality_lead, team
):
    api = api_as(viewer)
    escalation(judged, days=-1, action="Overdue check")
    data = api.get(url("case-detail", judged.uuid)).json()
    assert data["uuid"] == str(judged.uuid)
    assert data["status"] == "under_review" and data["status_label"] == "Under review"
    assert data["location"] == {"uuid": str(judged.location.uuid), "name": "Elm House"}
    assert [s["state"] for s in data["steps"]] == ["done"] * 5
    assert data["steps"][0]["role"] == "quality_lead"
    assert data["steps"][0]["role_label"] == "Quality Lead"
    assert data["steps"][0]["completed_by"] == quality_lead.get_full_name()
    judgement = data["judgement"]
    assert judgement["level"] == "service_wide" and judgement["level_label"] == "Service-wide"
    assert judgement["exceeds_evidence"] is True
    assert judgement["key_questions"] == ["well_led"]
    assert data["supportable_level"]["level"] == judgement["supportable_level"]
    assert data["flags"] == {
        "judgement_exceeds_evidence": True,
        "evidence_changed_since_judgement": False,
        "has_overdue_escalation": True,
    }
    # New evidence after the judgement: flagged, as on the case page.
    add_evidence(judged, quality_lead, team=team)
    data = api.get(url("case-detail", judged.uuid)).json()
    assert data["flags"]["evidence_changed_since_judgement"] is True
    assert data["evidence"].endswith(url("evidence-list") + f"?case={judged.uuid}")
    assert data["url"].endswith(reverse("casework:case_detail", args=[judged.uuid]))


def test_an_open_case_shows_its_current_step(api_as, location, quality_lead, viewer):
    case = open_case(location=location, actor=quality_lead)
    data = api_as(viewer).get(url("case-detail", case.uuid)).json()
    assert [s["state"] for s in data["steps"]] == ["current", "later", "later", "later", "later"]
    assert data["judgement"] is None
    assert data["supportable_level"] == {"level": "contained", "label": "Contained"}
    assert data["flags"]["judgement_exceeds_evidence"] is False


def test_the_case_list_has_the_case_lists_filters(
    api_as, location, quality_lead, viewer, registered_manager
):
    first = open_case(location=location, actor=quality_lead, title="Governance one")
    open_case(location=location, actor=quality_lead, domain="record-quality", title="Records")
    api = api_as(viewer)

    def titles(**params):
        return sorted(c["title"] for c in api.get(url("case-list"), **params).json()["results"])

    assert titles() == ["Governance one", "Records"]
    assert titles(domain="governance") == ["Governance one"]
    assert titles(status="closed") == []
    assert titles(step=1) == ["Governance one", "Records"]
    assert titles(location=str(location.uuid)) == ["Governance one", "Records"]
    assert titles(provider=location.provider.slug) == ["Governance one", "Records"]
    assert titles(provider="someone-else") == []
    for params, field in [
        ({"status": "nonsense"}, "status"),
        ({"step": "9"}, "step"),
        ({"location": "not-a-uuid"}, "location"),
    ]:
        response = api.get(url("case-list"), **params)
        assert response.status_code == 400, params
        assert field in response.json(), response.json()
    assert "Choose one of: closed, open, under_review, withdrawn." in str(
        api.get(url("case-list"), status="nonsense").json()
    )
    assert first


def test_cursor_pages_walk_every_row_once(api_as, location, quality_lead, viewer):
    for i in range(7):
        open_case(location=location, actor=quality_lead, title=f"Case {i}")
    api = api_as(viewer)
    seen = []
    response = api.get(url("case-list"), page_size=3).json()
    while True:
        seen += [c["title"] for c in response["results"]]
        if not response["next"]:
            break
        response = api.client.get(
            response["next"], HTTP_AUTHORIZATION=f"Bearer {api.secret}"
        ).json()
    assert sorted(seen) == sorted(f"Case {i}" for i in range(7))
    assert len(seen) == 7
    assert seen[0] == "Case 6"  # newest first


def test_evidence_has_metadata_and_a_checked_download_that_is_recorded(
    api_as, location, team, quality_lead, viewer, registered_manager
):
    case = open_case(location=location, actor=quality_lead)
    item = with_file(case, quality_lead, team=team)
    withdrawn = add_evidence(case, quality_lead, source="feedback", stance="contradicts")
    evidence_services.evidence_withdraw(
        actor=registered_manager,
        actor_roles={Role.REGISTERED_MANAGER},
        item=withdrawn,
        reason="Recorded against the wrong case.",
    )
    api = api_as(viewer)
    data = api.get(url("evidence-detail", item.uuid)).json()
    assert data["case"] == str(case.uuid) and data["source_label"] == "Audits"
    assert data["team"] == {"uuid": str(team.uuid), "name": "Day team"}
    assert data["stance_label"] == "Supports the claim" and data["status"] == "current"
    [stored] = data["files"]
    assert stored["name"] == "June audit.pdf"
    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert stored["download_url"].endswith(url("evidence-file-download", stored["uuid"]))

    response = api.client.get(
        stored["download_url"],
        HTTP_AUTHORIZATION=f"Bearer {api.secret}",
        HTTP_ACCEPT="application/pdf",
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="June audit.pdf"'
    assert b"".join(response.streaming_content) == PDF
    [download] = EvidenceFileDownload.objects.all()
    assert (download.user, download.via, str(download.file.uuid)) == (viewer, "api", stored["uuid"])

    listed = api.get(url("evidence-list"), status="withdrawn").json()["results"]
    assert [(e["uuid"], e["withdrawn_reason"]) for e in listed] == [
        (str(withdrawn.uuid), "Recorded against the wrong case.")
    ]
    assert api.get(url("evidence-list"), stance="contradicts").json()["results"][0]["status"] == (
        "withdrawn"
    )
    assert len(api.get(url("evidence-list"), case=str(case.uuid)).json()["results"]) == 2
    response = api.get(url("evidence-list"), **{"from": "30/09/2026"})
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in str(response.json())


def test_escalations_reviews_teams_and_locations(
    api_as, location, team, quality_lead, registered_manager, senior_leader
):
    case = open_case(location=location, actor=quality_lead)
    overdue = escalation(case, days=-2, owner=registered_manager, action="Observe handovers")
    escalation(case, days=5, action="Re-audit")
    due = monthly_review(case, days=-1)
    quarterly_review(location.provider, days=10)
    api = api_as(senior_leader)
    listed = api.get(url("escalation-list"), status="overdue").json()["results"]
    assert [(e["action"], e["overdue"], e["owner"]) for e in listed] == [
        ("Observe handovers", True, registered_manager.get_full_name())
    ]
    assert len(api.get(url("escalation-list")).json()["results"]) == 2
    detail = api.get(url("escalation-detail", overdue.uuid)).json()
    assert detail["overdue"] is True and detail["trigger_label"] == "Raised by hand"
    assert api.get(url("escalation-list"), status="closed").status_code == 400

    reviews = api.get(url("review-list")).json()["results"]
    assert sorted(r["kind"] for r in reviews) == ["monthly", "quarterly"]
    overdue_reviews = api.get(url("review-list"), status="overdue").json()["results"]
    assert [r["uuid"] for r in overdue_reviews] == [str(due.uuid)]
    assert overdue_reviews[0]["state_label"] == "Overdue"

    teams = api.get(url("team-list"), location=str(location.uuid)).json()["results"]
    assert [(t["name"], t["kind_label"]) for t in teams] == [("Day team", "Team")]
    locations = api.get(url("location-list")).json()["results"]
    assert locations[0]["your_roles"] == ["senior_leader"]
    assert locations[0]["service_type_label"] == "Care home without nursing"
    detail = api.get(url("location-detail", location.uuid)).json()
    assert detail["your_roles"] == ["senior_leader"]


def test_report_runs_follow_the_reports_rules_and_downloads_are_recorded(
    api_as, client, location, quality_lead, viewer, senior_leader, tmp_path
):
    case = open_case(location=location, actor=quality_lead)
    quarterly = ReportRun.objects.create(
        kind=ReportKind.QUARTERLY,
        provider=location.provider,
        quarter="2026-Q2",
        data_cutoff=timezone.now(),
        requested_by=senior_leader,
    )
    pack = ReportRun.objects.create(
        kind=ReportKind.PACK,
        provider=location.provider,
        location=location,
        case=case,
        data_cutoff=timezone.now(),
        requested_by=viewer,
        status=RunStatus.DONE,
        sha256="00" * 32,
        size=4,
    )
    pack.file.save("pack.zip", SimpleUploadedFile("pack.zip", b"PK\x05\x06"), save=True)
    viewer_api = api_as(viewer)
    runs = viewer_api.get(url("reportrun-list")).json()["results"]
    assert [r["uuid"] for r in runs] == [str(pack.uuid)]  # not the provider's quarterly report
    assert runs[0]["kind_label"] == "Evidence pack" and runs[0]["content_type"] == "application/zip"
    assert viewer_api.get(url("reportrun-detail", quarterly.uuid)).status_code == 404
    response = viewer_api.get(runs[0]["download_url"])
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"PK\x05\x06"
    assert ReportDownload.objects.get().via == "api"
    assert viewer_api.get(url("reportrun-download", quarterly.uuid)).status_code == 403
    leader_api = api_as(senior_leader)
    kinds = {r["kind"] for r in leader_api.get(url("reportrun-list")).json()["results"]}
    assert kinds == {"quarterly", "pack"}
    assert (
        leader_api.get(url("reportrun-list"), kind="quarterly").json()["results"][0]["download_url"]
        is None
    )  # not rendered yet
    assert leader_api.get(url("reportrun-list"), kind="weekly").status_code == 400


def test_the_api_is_read_only(api_as, location, quality_lead, viewer):
    case = open_case(location=location, actor=quality_lead)
    api = api_as(viewer)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api.client, method)(
            url("case-detail", case.uuid), HTTP_AUTHORIZATION=f"Bearer {api.secret}"
        )
        assert response.status_code == 405, method
