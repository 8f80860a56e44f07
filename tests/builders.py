"""Build cases through the real services, so rules and history apply in tests too."""

import json
from datetime import date, timedelta
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from assurance.cases import services as cases_services
from assurance.cases.models import StepRecord
from assurance.organisations.access import roles_at_location
from assurance.organisations.frameworks import framework_for
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
        "key_questions": [
            KeyQuestion.objects.get(slug="well_led", framework=framework_for(case.location)).pk
        ],
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


# --- Frameworks in transition (fictional framework only) ------------------------------------

FICTIONAL_FRAMEWORK = Path(__file__).parent / "domains" / "data" / "fictional-in-the-round.json"


def load_fictional_framework(**overrides):
    """Load tests/domains/data/fictional-in-the-round.json (with `overrides` of its top-level
    fields, e.g. another slug and an aggregation rule) through the real loader."""
    from django.apps import apps

    from domains.loaders import load_framework_data

    data = {**json.loads(FICTIONAL_FRAMEWORK.read_text(encoding="utf-8")), **overrides}
    framework, _ = load_framework_data(apps, data)
    return framework


def switch_framework(location, framework, actor, *, effective_on=None, reason="Pilot site."):
    """Switch one location through the service (as a Senior Leader or a superuser)."""
    from assurance.rating import services as rating_services

    (row,) = rating_services.framework_switch(
        actor=actor,
        actor_roles=roles_at_location(actor, location),
        locations=[location],
        framework=framework,
        effective_on=effective_on or timezone.localdate(),
        reason=reason + " Switching for the pilot.",
    )
    return row


def record_self_judgement(location, actor, slug, rating, *, rationale=None, cases=(), evidence=()):
    from assurance.organisations.frameworks import framework_for
    from assurance.rating import services as rating_services

    framework = framework_for(location)
    return rating_services.self_judgement_record(
        actor=actor,
        actor_roles=roles_at_location(actor, location),
        location=location,
        key_question=KeyQuestion.objects.get(framework=framework, slug=slug),
        rating=rating,
        rationale=rationale or f"{slug} judged {rating} against the fictional characteristics.",
        judged_on=timezone.localdate(),
        evidence=evidence,
        cases=cases,
    )
