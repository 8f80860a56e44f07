"""Build cases through the real services, so rules and history apply in tests too."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from assurance.cases import services as cases_services
from assurance.cases.models import StepRecord
from assurance.organisations.access import roles_at_location
from domains.models import Domain, EvidenceCategory, KeyQuestion
from evidence import services as evidence_services

# The five artefact labels of the governance domain's template, in step order.
GOVERNANCE_ARTEFACTS = (
    "Governance impact file",
    "Service influence note",
    "Live validation sheet",
    "Implementation log",
    "Assurance summary",
)


def open_case(*, location, actor, domain="governance", title="Governance grip", areas=None):
    domain = Domain.objects.get(slug=domain)
    return cases_services.case_open(
        actor=actor,
        actor_roles=roles_at_location(actor, location),
        location=location,
        domain=domain,
        title=title,
        baseline_issue="Audit actions drifted without follow-up.",
        improvement_began=date(2026, 3, 1),
        wider_areas=areas or domain.default_wider_areas[:3],
    )


def complete_step(case, number, actor, **data):
    step = StepRecord.objects.get(case=case, number=number)
    return cases_services.step_save(
        actor=actor,
        actor_roles=roles_at_location(actor, case.location),
        case=case,
        number=number,
        data=data or {"summary": f"Step {number} done."},
        version=step.version,
        complete=True,
    )


def add_evidence(case, actor, *, source="audits", stance="supports", team=None, days_ago=5):
    return evidence_services.evidence_add(
        actor=actor,
        actor_roles=roles_at_location(actor, case.location),
        case=case,
        step_number=case.current_step,
        source=source,
        category=EvidenceCategory.objects.get(name="Processes"),
        occurred_on=timezone.localdate() - timedelta(days=days_ago),
        team=team,
        stance=stance,
        summary=f"{source} evidence",
    )


def post_judgement(client, case, level, **extra):
    data = {
        "version": StepRecord.objects.get(case=case, number=5).version,
        "summary": "Summary",
        "level": level,
        "key_questions": [KeyQuestion.objects.get(slug="well_led").pk],
        "not_yet": "Safe: practice still mixed.",
        "rationale": "Audits improved.",
        "complete": "1",
        **extra,
    }
    return client.post(reverse("casework:step_form", args=[case.uuid, 5]), data)


def add_indicator(case, actor, name="Audit"):
    return cases_services.indicator_add(
        actor=actor,
        actor_roles={"quality_lead"},
        case=case,
        name=name,
        unit="%",
        side="leadership",
        higher_is_better=True,
        baseline=40,
        target=90,
    )
