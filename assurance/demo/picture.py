"""What the demo adds around the worked cases: escalations (`data/escalations.json`), the
rating pictures (`data/ratings.json`) and last quarter's story (`data/last-quarter.json`).

Idempotent like the rest of the seed.
"""

from datetime import datetime, time

from django.utils import timezone

from assurance.cases.models import ImprovementCase
from assurance.demo.cases import evidence_seed
from assurance.escalations.models import Escalation
from assurance.escalations.services import escalation_raise_by_hand, escalation_update
from assurance.judgement.models import ProportionalityJudgement
from assurance.judgement.services import judgement_confirm
from assurance.rating.services import published_rating_add, statement_score_add
from domains.models import Framework, KeyQuestion
from evidence.models import EvidenceItem


def escalation_assign(demo, spec):
    """Give an automatically raised escalation an owner and move it on, once."""
    case = demo.case(spec["case"])
    if case is None:
        return None
    escalation = Escalation.objects.filter(
        case=case, trigger=spec["trigger"], owner__isnull=True
    ).first()
    if escalation is None:
        return None
    return escalation_update(
        actor=demo.users[spec["by"]],
        actor_roles=demo.roles(spec["by"], case.location),
        escalation=escalation,
        version=escalation.version,
        owner=demo.users[spec["owner"]],
        status=spec["status"],
    )


def escalation_raise(demo, spec):
    """An escalation raised by hand, on a case that has none yet."""
    case = demo.case(spec["case"])
    if case is None or Escalation.objects.filter(case=case).exists():
        return None
    return escalation_raise_by_hand(
        actor=demo.users[spec["by"]],
        actor_roles=demo.roles(spec["by"], case.location),
        case=case,
        action=spec["action"],
        detail=spec["detail"],
        due_on=demo.day(spec["due_on"]),
        owner=demo.users[spec["owner"]],
    )


def rating_picture(demo, spec, rationales):
    """A location's published ratings and statement scores, unless it has scores already."""
    location = demo.locations[spec["location"]]
    if location.statement_scores.exists():
        return
    user, roles = demo.users[spec["recorded_by"]], demo.roles(spec["recorded_by"], location)
    for kq in KeyQuestion.objects.filter(framework=Framework.objects.current()).prefetch_related(
        "quality_statements"
    ):
        published_rating_add(
            actor=user,
            actor_roles=roles,
            location=location,
            key_question=kq,
            rating=spec["published"][kq.slug],
            published_on=demo.day(spec["published_on"]),
        )
        for statement, score in zip(
            kq.quality_statements.all(), spec["scores"][kq.slug], strict=True
        ):
            statement_score_add(
                actor=user,
                actor_roles=roles,
                location=location,
                quality_statement=statement,
                score=score,
                assessed_on=demo.day(spec["assessed_on"]),
                rationale=rationales[str(score)],
            )


def earlier_evidence(demo, spec):
    """Evidence from last quarter, so that quarter's report has a story of its own. The
    manager then looks at it and confirms that the case's judgement stands."""
    case = demo.case(spec["case"])
    items = spec["evidence"]
    if case is None or case.evidence.filter(summary=items[0]["summary"]).exists():
        return
    for item in items:
        evidence_seed(demo, case, spec["step"], item)
    judgement = ProportionalityJudgement.objects.current().filter(case=case).first()
    if judgement is not None and "judgement_confirmed_by" in spec:
        judgement_confirm(
            actor=demo.users[spec["judgement_confirmed_by"]],
            actor_roles=demo.roles(spec["judgement_confirmed_by"], case.location),
            judgement=judgement,
            # The story: the manager has read the new evidence and the justification stands.
            overclaim_justification=judgement.overclaim_justification,
        )


def backdate(provider_slug, at: time):
    """Cases and their evidence are dated from when the work and the evidence happened
    (the seed records everything "now"), so last quarter's report already has a story."""

    def on(day):
        return timezone.make_aware(datetime.combine(day, at))

    for case in ImprovementCase.objects.filter(location__provider__slug=provider_slug):
        if case.opened_at > on(case.improvement_began):
            ImprovementCase.objects.filter(pk=case.pk).update(opened_at=on(case.improvement_began))
    for item in EvidenceItem.objects.filter(case__location__provider__slug=provider_slug):
        if item.created_at > on(item.occurred_on):
            EvidenceItem.objects.filter(pk=item.pk).update(created_at=on(item.occurred_on))
