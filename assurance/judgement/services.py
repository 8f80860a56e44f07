"""State-changing writes for proportionality judgements: recording (step 5) and confirming them."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assurance.cases import workflow as wf
from assurance.cases.services import step_save
from assurance.common.history import records_actor
from assurance.escalations.services import escalation_raise
from assurance.judgement import readiness
from assurance.judgement.figures import case_readiness, evidence_fingerprint
from assurance.judgement.models import JudgementConfirmation, ProportionalityJudgement
from assurance.organisations.permissions import CASE_MANAGER_ROLES, holds_any

User = get_user_model()


MIN_OVERCLAIM_JUSTIFICATION = 120  # characters: "at least a few sentences"


@records_actor
def judgement_record(
    *,
    actor,
    actor_roles,
    case,
    version: int,
    level: str,
    key_questions,
    not_yet: str,
    rationale: str,
    escalate: bool,
    overclaim_justification: str = "",
    summary: str = "",
    today=None,
):
    """Step 5: complete the assurance summary with a proportionality judgement.

    The judgement stores the readiness figures, thresholds and an evidence fingerprint it
    rested on. A level above what the evidence supports needs a written justification.
    """

    ready = case_readiness(case, today=today)
    supportable = ready.assessment.level
    justification = _overclaim_justification(level, supportable, overclaim_justification)
    with transaction.atomic():
        step_save(
            actor=actor,
            actor_roles=actor_roles,
            case=case,
            number=5,
            version=version,
            complete=True,
            data={"summary": summary},
        )
        now = timezone.now()
        ProportionalityJudgement.objects.filter(case=case, superseded_at__isnull=True).update(
            superseded_at=now
        )
        judgement = ProportionalityJudgement.objects.create(
            case=case,
            level=level,
            not_yet=not_yet,
            rationale=rationale,
            escalate=escalate,
            supportable_level=supportable,
            overclaim_justification=justification,
            figures=readiness.figures_to_dict(ready.figures),
            thresholds={
                **ready.thresholds.to_dict(),
                "assessment": readiness.assessment_to_dict(ready.assessment),
            },
            evidence_fingerprint=evidence_fingerprint(ready.evidence, ready.indicators),
            recorded_by=actor,
            recorded_at=now,
        )
        judgement.key_questions.set(key_questions)
        if escalate:
            escalation_raise(
                actor=actor,
                case=case,
                trigger="judgement",
                detail=f"Step 5 judgement asked to escalate. {rationale}".strip(),
                dedupe_key=f"judgement:{judgement.pk}",
            )
        if justification:
            _raise_overclaim(actor, judgement, supportable, justification)
    return judgement


def _overclaim_justification(level, supportable, given) -> str:
    """The justification to keep: required (and kept) when `level` exceeds what the evidence
    supports, dropped otherwise. The rule for recording and for confirming alike."""
    justification = (given or "").strip()
    if not readiness.exceeds(level, supportable):
        return ""
    if len(justification) < MIN_OVERCLAIM_JUSTIFICATION:
        raise ValidationError(
            {
                "overclaim_justification": (
                    f"The evidence supports “{readiness.LEVEL_LABELS[supportable]}”. To "
                    f"record “{readiness.LEVEL_LABELS[level]}” explain, in a few sentences "
                    f"(at least {MIN_OVERCLAIM_JUSTIFICATION} characters), why the "
                    "judgement goes beyond the evidence. The case will be flagged."
                )
            }
        )
    return justification


def _raise_overclaim(actor, judgement, supportable, justification):
    # Once per judgement: confirming an overclaim again does not raise a second one.
    escalation_raise(
        actor=actor,
        case=judgement.case,
        trigger="overclaim",
        detail=(
            f"Judgement {readiness.LEVEL_LABELS[judgement.level]} exceeds the evidence "
            f"({readiness.LEVEL_LABELS[supportable]}). Justification: {justification}"
        ),
        dedupe_key=f"overclaim:{judgement.pk}",
    )


# The history's reason for a confirmation (the scale seed writes the same).
CONFIRMED_REASON = "Confirmed against the current evidence"


@records_actor
def judgement_confirm(*, actor, actor_roles, judgement, overclaim_justification=""):
    """The Registered Manager has looked at the changed evidence and the judgement stands.

    Confirming is recording again: the figures are computed as of now, and when the
    judgement now exceeds what the evidence supports it needs the overclaim justification
    and raises the overclaim escalation, exactly as recording does.
    """
    if not holds_any(actor_roles, CASE_MANAGER_ROLES):
        raise wf.WorkflowError("Only a Registered Manager can confirm a judgement.")
    ready = case_readiness(judgement.case)
    supportable = ready.assessment.level
    justification = _overclaim_justification(judgement.level, supportable, overclaim_justification)
    with transaction.atomic():
        locked = ProportionalityJudgement.objects.select_for_update().get(pk=judgement.pk)
        if locked.superseded_at is not None:
            raise wf.WorkflowError("This judgement has been superseded by a newer one.")
        now = timezone.now()
        fingerprint = evidence_fingerprint(ready.evidence, ready.indicators)
        JudgementConfirmation.objects.create(
            judgement=locked,
            confirmed_by=actor,
            confirmed_at=now,
            supportable_level=supportable,
            overclaim_justification=justification,
            figures=readiness.figures_to_dict(ready.figures),
            evidence_fingerprint=fingerprint,
        )
        locked.evidence_fingerprint = fingerprint
        locked.supportable_level = supportable
        locked.overclaim_justification = justification
        locked.confirmed_at = now
        locked.confirmed_by = actor
        locked._change_reason = CONFIRMED_REASON
        locked.save()
        if justification:
            _raise_overclaim(actor, locked, supportable, justification)
    return locked
