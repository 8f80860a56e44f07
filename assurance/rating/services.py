"""State-changing writes for the rating picture: published ratings, statement scores, the
breach flag, self-judgements under in-the-round frameworks, and switching framework.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assurance.cases import workflow as wf
from assurance.common.history import records_actor
from assurance.organisations.frameworks import frameworks_for
from assurance.organisations.models import FrameworkAssignment
from assurance.organisations.permissions import (
    RATING_EDITOR_ROLES,
    SCORE_EDITOR_ROLES,
    can_record_self_judgement,
    can_switch_framework,
)
from assurance.rating.models import (
    RATIONALE_MAX_LENGTH,
    PublishedRating,
    SelfJudgement,
    StatementScore,
    rationale_too_long,
)
from domains.models import Method

User = get_user_model()


# --- The rating picture ------------------------------------------------------------------


@records_actor
def published_rating_add(*, actor, actor_roles, location, key_question, rating, published_on):

    if not RATING_EDITOR_ROLES & set(actor_roles):
        raise wf.WorkflowError(
            "Only a Registered Manager or Senior Leader can enter published ratings."
        )
    if rating not in key_question.framework.rating_labels:
        raise ValidationError({"rating": "Choose one of the framework's rating labels."})
    return PublishedRating.objects.create(
        location=location,
        key_question=key_question,
        rating=rating,
        published_on=published_on,
        recorded_by=actor,
    )


@records_actor
def statement_score_add(
    *, actor, actor_roles, location, quality_statement, score, assessed_on, rationale
):

    if not SCORE_EDITOR_ROLES & set(actor_roles):
        raise wf.WorkflowError(
            "Only a Quality Lead, Registered Manager or Senior Leader can score statements."
        )
    if rationale and len(rationale) > RATIONALE_MAX_LENGTH:
        raise ValidationError({"rationale": rationale_too_long(len(rationale))})
    return StatementScore.objects.create(
        location=location,
        quality_statement=quality_statement,
        score=score,
        assessed_on=assessed_on,
        rationale=rationale,
        recorded_by=actor,
    )


@records_actor
def location_set_breach(*, actor, actor_roles, location, breach: bool):
    if not RATING_EDITOR_ROLES & set(actor_roles):
        raise wf.WorkflowError("Only a Registered Manager or Senior Leader can change this.")
    location.regulation_breach = breach
    location.save(update_fields=["regulation_breach"])
    return location


# --- Frameworks in transition ------------------------------------------------------------


@records_actor
def framework_switch(*, actor, actor_roles, locations, framework, effective_on, reason):
    """Assess each of `locations` against `framework` from `effective_on`: one appended row
    each, with who, when and why. Earlier self-assessments stay where they are, under the
    framework they were recorded against. A Senior Leader (for their provider's locations)
    or a superuser in the admin may switch. One location already assessed against
    `framework` on that date is refused by name; switching several leaves out those already
    on it, and is refused only when all are."""
    if not (actor.is_superuser or can_switch_framework(actor_roles)):
        raise wf.WorkflowError("Only a Senior Leader can switch a location's framework.")
    reason = (reason or "").strip()
    if len(reason) < wf.MIN_REASON_LENGTH:
        raise ValidationError({"reason": "Say why the framework is switched (a short sentence)."})
    locations = list(locations)
    refusal = framework_switch_refusal(locations, framework, effective_on)
    if refusal:
        raise ValidationError({"framework": refusal})
    if len(locations) > 1:  # a whole provider: those already on it are left as they are
        then = frameworks_for(locations, day=effective_on)
        locations = [loc for loc in locations if then[loc.id].framework != framework]
    now = timezone.now()
    with transaction.atomic():
        return [
            FrameworkAssignment.objects.create(
                location=location,
                framework=framework,
                effective_on=effective_on,
                reason=reason,
                recorded_by=actor,
                recorded_at=now,
            )
            for location in locations
        ]


def framework_switch_refusal(locations, framework, effective_on) -> str:
    """Why switching `locations` to `framework` from `effective_on` is refused ("" if not)."""
    if not locations:
        return "There is no active location to switch."
    then = frameworks_for(locations, day=effective_on)
    already = [loc.name for loc in locations if then[loc.id].framework == framework]
    if not already or len(already) < len(locations):  # a whole provider skips those on it
        return ""
    return (
        f"{', '.join(already)} {'is' if len(already) == 1 else 'are'} already assessed "
        f"against {framework.name} on {effective_on:%-d %B %Y}."
    )


@records_actor
def self_judgement_record(
    *, actor, actor_roles, location, key_question, rating, rationale, judged_on, evidence, cases
):
    """Record the Registered Manager's judgement of one key question, in the round, under the
    framework the location is assessed against now. Appended: earlier ones stay."""
    if not can_record_self_judgement(actor_roles):
        raise wf.WorkflowError("Only the location's Registered Manager can record this.")
    framework = key_question.framework
    if framework.method != Method.IN_THE_ROUND:
        raise ValidationError(
            {"key_question": f"{framework.name} is scored: record statement scores instead."}
        )
    if frameworks_for([location])[location.id].framework != framework:
        raise ValidationError(
            {"key_question": f"{location.name} is not assessed against {framework.name} now."}
        )
    if rating not in framework.rating_labels:
        raise ValidationError({"rating": "Choose a rating."})
    if not (rationale or "").strip():
        raise ValidationError({"rationale": "Write the rationale against the characteristics."})
    if len(rationale.strip()) > RATIONALE_MAX_LENGTH:
        raise ValidationError({"rationale": rationale_too_long(len(rationale.strip()))})
    evidence, cases = list(evidence), list(cases)
    if any(case.location_id != location.id for case in cases) or any(
        item.case.location_id != location.id for item in evidence
    ):
        raise ValidationError("Cite only cases and evidence of this location.")
    with transaction.atomic():
        judgement = SelfJudgement.objects.create(
            location=location,
            key_question=key_question,
            rating=rating,
            rationale=rationale.strip(),
            judged_on=judged_on,
            recorded_by=actor,
        )
        judgement.evidence.set(evidence)
        judgement.cases.set(cases)
    return judgement
