"""The worked improvement cases, from `data/cases/*.json`.

Each case is built only through the services a user's actions call, acting as each demo
user in turn, so the workflow rules and the history apply. A case that already exists (same
location and title) is left alone, so a second seed changes nothing.
"""

from decimal import Decimal

from assurance.cases.models import ImprovementCase, StepRecord
from assurance.cases.services import case_open, indicator_add, reading_add, step_save
from assurance.demo.context import evidence_upload
from assurance.judgement import readiness
from assurance.judgement.figures import case_readiness
from assurance.judgement.services import judgement_record
from domains.models import Domain
from evidence.models import LinkStatus, Stance
from evidence.services import embedding_action_add, evidence_add, link_save, practice_check_add


def case_seed(demo, spec):
    location = demo.locations[spec["location"]]
    if ImprovementCase.objects.filter(location=location, title=spec["title"]).exists():
        return None
    case = case_open(
        actor=demo.users[spec["opened_by"]],
        actor_roles=demo.roles(spec["opened_by"], location),
        location=location,
        domain=Domain.objects.get(slug=spec["domain"]),
        title=spec["title"],
        baseline_issue=spec["baseline_issue"],
        improvement_began=demo.day(spec["improvement_began"]),
        wider_areas=spec["wider_areas"],
    )
    demo.result.note(case, True)
    for indicator_spec in spec["indicators"]:
        indicator_seed(demo, case, indicator_spec)
    evidence = {}  # ref -> item, for the influence links
    for step in spec["steps"]:
        step_seed(demo, case, step, evidence)
    return case


def step_seed(demo, case, spec, evidence):
    """One step's records, in the order a user would add them, then its artefact."""
    for item_spec in spec.get("evidence", []):
        item = evidence_seed(demo, case, spec["number"], item_spec)
        if "ref" in item_spec:
            evidence[item_spec["ref"]] = item
    for link_spec in spec.get("links", []):
        link_seed(demo, case, link_spec, evidence)
    for check_spec in spec.get("checks", []):
        check_seed(demo, case, check_spec)
    for action_spec in spec.get("actions", []):
        action_seed(demo, case, action_spec)
    if "artefact" in spec:
        artefact_seed(demo, case, spec["number"], spec["artefact"])
    if "judgement" in spec:
        judgement_seed(demo, case, spec["judgement"])


def indicator_seed(demo, case, spec):
    user, roles = demo.users[spec["by"]], demo.roles(spec["by"], case.location)
    indicator = indicator_add(
        actor=user,
        actor_roles=roles,
        case=case,
        name=spec["name"],
        unit=spec["unit"],
        higher_is_better=spec["higher_is_better"],
        baseline=Decimal(str(spec["baseline"])),
        target=Decimal(str(spec["target"])),
        side=spec["side"],
    )
    for reading in spec["readings"]:
        reading_add(
            actor=user,
            actor_roles=roles,
            indicator=indicator,
            taken_on=demo.day(reading),
            value=Decimal(str(reading["value"])),
            team=demo.team(case.location, reading.get("team")),
            note=reading.get("note", spec.get("reading_note", "")),
        )
    return indicator


def evidence_seed(demo, case, step_number, spec):
    occurred_on = demo.day(spec)
    return evidence_add(
        actor=demo.users[spec["by"]],
        actor_roles=demo.roles(spec["by"], case.location),
        case=case,
        step_number=step_number,
        source=spec["source"],
        category=demo.category(spec["category"]),
        occurred_on=occurred_on,
        team=demo.team(case.location, spec.get("team")),
        stance=spec.get("stance", Stance.SUPPORTS),
        summary=spec["summary"],
        files=[evidence_upload(f, occurred_on) for f in spec.get("files", [])],
    )


def link_seed(demo, case, spec, evidence):
    items = [evidence[ref] for ref in spec.get("evidence", [])]
    return link_save(
        actor=demo.users[spec["by"]],
        actor_roles=demo.roles(spec["by"], case.location),
        case=case,
        area=spec["area"],
        status=LinkStatus.EVIDENCED if items else LinkStatus.ASSUMED,
        note=spec["note"],
        evidence=items,
    )


def check_seed(demo, case, spec):
    return practice_check_add(
        actor=demo.users[spec["by"]],
        actor_roles=demo.roles(spec["by"], case.location),
        case=case,
        team=demo.team(case.location, spec["team"]),
        shift=spec["shift"],
        sampled=spec["sampled"],
        outcome=spec["outcome"],
        occurred_on=demo.day(spec),
        category=demo.category("Observation"),
    )


def action_seed(demo, case, spec):
    return embedding_action_add(
        actor=demo.users[spec["by"]],
        actor_roles=demo.roles(spec["by"], case.location),
        case=case,
        kind=spec["kind"],
        description=spec["description"],
        team=demo.team(case.location, spec["team"]),
        action_date=demo.day(spec),
        completed=spec.get("completed", True),
    )


def artefact_seed(demo, case, number, spec):
    """Save a step's artefact, reading its version fresh so the save is never stale."""
    step_save(
        actor=demo.users[spec["by"]],
        actor_roles=demo.roles(spec["by"], case.location),
        case=case,
        number=number,
        data=spec["data"],
        version=StepRecord.objects.get(case=case, number=number).version,
        complete=spec["complete"],
    )
    case.refresh_from_db()


def judgement_seed(demo, case, spec):
    """Step 5. A judgement is kept within what the evidence supports, unless its spec is
    the demo's overclaim: that one is recorded only when the evidence really falls short."""
    supportable = case_readiness(case, today=demo.today).assessment.level
    level = spec["level"]
    above = readiness.exceeds(level, supportable)
    if spec.get("overclaim") and not above:
        return None
    if above and not spec.get("overclaim"):
        level = supportable  # never let the demo overclaim by accident
    judgement = judgement_record(
        actor=demo.users[spec["by"]],
        actor_roles=demo.roles(spec["by"], case.location),
        case=case,
        version=StepRecord.objects.get(case=case, number=5).version,
        level=level,
        key_questions=case.domain.key_questions.filter(slug__in=spec["key_questions"]),
        not_yet=spec["not_yet"],
        rationale=spec["rationale"],
        escalate=spec["escalate"],
        overclaim_justification=spec.get("overclaim_justification", ""),
        summary=spec["summary"],
        today=demo.today,
    )
    case.refresh_from_db()
    return judgement
