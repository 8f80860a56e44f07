"""State-changing writes: organisations and roles, improvement cases and their steps."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from . import roles as r
from . import workflow as wf
from .history import acting_as, records_actor
from .models import (
    CaseStatus,
    Escalation,
    EscalationStatus,
    ImprovementCase,
    Indicator,
    Location,
    Membership,
    Provider,
    Reading,
    StepRecord,
    Team,
)

User = get_user_model()


def _check_can_grant(*, held, role):
    if not r.can_manage_members(held):
        raise PermissionDenied("Only a Registered Manager or Senior Leader can manage members.")
    if role not in r.grantable_roles(held):
        raise PermissionDenied(
            f"You cannot grant the {r.Role(role).label} role: it is above your own scope."
        )


@records_actor
def membership_grant(
    *,
    actor,
    held: frozenset,
    provider: Provider,
    location: Location | None,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str,
    expires_on=None,
) -> Membership:
    """Give someone a role at a location (or provider-wide), creating their account if new.

    A new account has no password: the person gets a "set your password" email.
    """
    _check_can_grant(held=held, role=role)
    if role in r.PROVIDER_WIDE_ROLES and location is not None:
        raise ValidationError({"role": f"{r.Role(role).label} is a provider-wide role."})
    if role not in r.PROVIDER_WIDE_ROLES | r.EITHER_SCOPE_ROLES and location is None:
        raise ValidationError({"role": f"{r.Role(role).label} is held at a location."})
    if role != r.Role.VIEWER:
        expires_on = None
    email = email.strip().lower()
    created_user = False
    try:
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User(username=email, email=email, first_name=first_name, last_name=last_name)
                user.set_unusable_password()
                user.save()
                created_user = True
            membership = Membership.objects.create(
                user=user,
                provider=provider,
                location=location,
                role=role,
                expires_on=expires_on,
                granted_by=actor,
            )
    except IntegrityError as exc:
        raise ValidationError("This person already holds that role here.") from exc
    if created_user:
        transaction.on_commit(lambda: send_welcome_email(user=user, membership=membership))
    return membership


@records_actor
def membership_end(*, actor, membership: Membership) -> Membership:
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.ended_at is None:
            locked.ended_at = timezone.now()
            locked.ended_by = actor
            locked.save(update_fields=["ended_at", "ended_by"])
    return locked


def team_create(*, location: Location, name: str, kind: str) -> Team:
    try:
        with transaction.atomic():
            return Team.objects.create(location=location, name=name.strip(), kind=kind)
    except IntegrityError as exc:
        raise ValidationError({"name": "This location already has a team with that name."}) from exc


def team_archive(*, team: Team) -> Team:
    if team.archived_at is None:
        team.archived_at = timezone.now()
        team.save(update_fields=["archived_at"])
    return team


def send_welcome_email(*, user, membership: Membership) -> None:
    """Tell a new member they have access, with a one-time link to set a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse(
        "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )
    context = {"user": user, "membership": membership, "link": link}
    send_mail(
        subject="You have been given access to care assurance",
        message=render_to_string("registration/welcome_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


# --- Improvement cases -------------------------------------------------------------------


class StaleEdit(Exception):  # noqa: N818 - reads better at call sites
    """Someone else saved this record after the form was opened."""

    def __init__(self, current, message):
        super().__init__(message)
        self.current = current


def _stale_message(obj, what):
    who = getattr(obj, "updated_by", None) or getattr(obj, "completed_by", None)
    when = getattr(obj, "updated_at", None)
    by = f" by {who.get_full_name() or who.get_username()}" if who else ""
    at = f" at {timezone.localtime(when):%H:%M on %d %b %Y}" if when else ""
    return (
        f"{what} was changed{by}{at} after you opened it. Your changes were not saved: "
        "the current version is shown below. Copy anything you need, then try again."
    )


def case_state(case: ImprovementCase, steps=None) -> wf.CaseState:
    steps = steps if steps is not None else list(case.steps.all())
    return wf.CaseState(
        status=case.status,
        steps=tuple(
            wf.StepState(
                number=s.number,
                role=s.role,
                label=s.artefact_label,
                completed=s.completed_at is not None,
                completed_by_id=s.completed_by_id,
            )
            for s in sorted(steps, key=lambda s: s.number)
        ),
        allow_self_validation=case.location.provider.allow_self_validation,
    )


@records_actor
def case_open(
    *,
    actor,
    actor_roles,
    location: Location,
    domain,
    title: str,
    baseline_issue: str,
    improvement_began,
    wider_areas: list[str],
) -> ImprovementCase:
    wf.can_open_case(actor_roles).require()
    templates = list(domain.steps.order_by("number"))
    if [t.number for t in templates] != list(range(1, wf.STEP_COUNT + 1)):
        raise wf.WorkflowError(
            f"The {domain} template does not have all five steps yet. Ask an administrator "
            "to complete it in the catalogue."
        )
    with transaction.atomic():
        case = ImprovementCase.objects.create(
            location=location,
            domain=domain,
            title=title,
            baseline_issue=baseline_issue,
            improvement_began=improvement_began,
            wider_areas=_clean_areas(wider_areas),
            opened_by=actor,
        )
        StepRecord.objects.bulk_create(
            StepRecord(
                case=case,
                number=t.number,
                role=t.role,
                artefact_label=t.artefact_label,
                prompts=t.prompts,
            )
            for t in templates
        )
    return case


def _clean_areas(areas) -> list[str]:
    seen, result = set(), []
    for area in areas:
        area = " ".join(str(area).split())[:160]
        if area and area.lower() not in seen:
            seen.add(area.lower())
            result.append(area)
    return result


def _lock_case(case) -> ImprovementCase:
    return (
        ImprovementCase.objects.select_for_update()
        .select_related("location__provider", "domain")
        .get(pk=case.pk)
    )


@records_actor
def case_update(*, actor, actor_roles, case, version: int, **fields) -> ImprovementCase:
    """Edit the case's own fields (title, baseline, start date, wider areas)."""
    if not (wf.CASE_OPENER_ROLES & set(actor_roles)):
        raise wf.WorkflowError(
            "Only a Quality Lead, Operations Manager or Registered Manager can edit the case."
        )
    with transaction.atomic():
        locked = _lock_case(case)
        if locked.status not in wf.ACTIVE_STATUSES:
            raise wf.WorkflowError(f"This case is {locked.get_status_display().lower()}.")
        if locked.version != version:
            raise StaleEdit(locked, _stale_message(locked, "This case"))
        if "wider_areas" in fields:
            fields["wider_areas"] = _clean_areas(fields["wider_areas"])
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
    return locked


@records_actor
def case_set_status(*, actor, actor_roles, case, new_status: str, reason: str) -> ImprovementCase:
    with transaction.atomic():
        locked = _lock_case(case)
        wf.can_close(
            locked.status, actor_roles=actor_roles, new_status=new_status, reason=reason
        ).require()
        locked.status = new_status
        locked.status_reason = reason.strip()
        locked.version += 1
        locked._change_reason = f"{CaseStatus(new_status).label}: {reason.strip()}"
        locked.save()
    return locked


def _step_for_update(case, number) -> StepRecord:
    return StepRecord.objects.select_for_update().get(case=case, number=number)


@records_actor
def step_save(
    *, actor, actor_roles, case, number: int, data: dict, version: int, complete: bool = False
) -> StepRecord:
    """Save a step's artefact as a draft, or save and complete it (which locks it)."""
    with transaction.atomic():
        locked_case = _lock_case(case)
        step = _step_for_update(locked_case, number)
        state = case_state(locked_case, list(locked_case.steps.all()))
        if complete:
            decision = wf.can_complete_step(
                state, number, actor_id=actor.pk, actor_roles=actor_roles
            ).require()
        else:
            decision = wf.can_edit_step(state, number, actor_roles=actor_roles).require()
        if step.version != version:
            raise StaleEdit(step, _stale_message(step, f"Step {number} ({step.artefact_label})"))
        now = timezone.now()
        step.data = data
        step.updated_by = actor
        step.updated_at = now
        step.version += 1
        if complete:
            step.completed_by = actor
            step.completed_at = now
            step.self_validation = decision.self_validation
            step._change_reason = decision.reason or "Completed"
        step.save()
        if complete:
            _advance_case(locked_case)
    return step


def _advance_case(case) -> None:
    state = case_state(case, list(case.steps.all()))
    new_status = wf.status_after_steps(state)
    case.current_step = state.current_step
    if new_status != case.status:
        wf.check_transition(case.status, new_status).require()
        case._change_reason = wf.TRANSITIONS[(case.status, new_status)]
        case.status = new_status
    case.version += 1
    case.save()


@records_actor
def step_reopen(*, actor, actor_roles, case, number: int, reason: str) -> StepRecord:
    with transaction.atomic():
        locked_case = _lock_case(case)
        step = _step_for_update(locked_case, number)
        state = case_state(locked_case, list(locked_case.steps.all()))
        wf.can_reopen_step(state, number, actor_roles=actor_roles, reason=reason).require()
        step.completed_at = None
        step.completed_by = None
        step.self_validation = False
        step.updated_by = actor
        step.updated_at = timezone.now()
        step.version += 1
        step._change_reason = f"Reopened: {reason.strip()}"
        step.save()
        _advance_case(locked_case)
    return step


@records_actor
def indicator_add(*, actor, actor_roles, case, **fields) -> Indicator:
    if not (wf.INDICATOR_ROLES & set(actor_roles)):
        raise wf.WorkflowError(
            "Only a Quality Lead, Operations Manager or Registered Manager can add indicators."
        )
    _require_active(case)
    return Indicator.objects.create(case=case, created_by=actor, **fields)


@records_actor
def reading_add(*, actor, actor_roles, indicator, taken_on, value, team=None, note="") -> Reading:
    from .roles import can_write

    if not can_write(actor_roles):
        raise wf.WorkflowError("Viewers cannot record readings.")
    _require_active(indicator.case)
    if team is not None and team.location_id != indicator.case.location_id:
        raise wf.WorkflowError("That team is not at this case's location.")
    return Reading.objects.create(
        indicator=indicator,
        taken_on=taken_on,
        value=value,
        team=team,
        note=note,
        recorded_by=actor,
    )


def _require_active(case):
    if case.status not in wf.ACTIVE_STATUSES:
        raise wf.WorkflowError(
            f"This case is {case.get_status_display().lower()}: nothing can be added."
        )


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
    from . import readiness
    from .figures import case_readiness, evidence_fingerprint
    from .models import ProportionalityJudgement

    ready = case_readiness(case, today=today)
    supportable = ready.assessment.level
    justification = (overclaim_justification or "").strip()
    if readiness.exceeds(level, supportable):
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
    else:
        justification = ""
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
            escalation_raise(
                actor=actor,
                case=case,
                trigger="overclaim",
                detail=(
                    f"Judgement {readiness.LEVEL_LABELS[level]} exceeds the evidence "
                    f"({readiness.LEVEL_LABELS[supportable]}). Justification: {justification}"
                ),
                dedupe_key=f"overclaim:{judgement.pk}",
            )
    return judgement


@records_actor
def judgement_confirm(*, actor, actor_roles, judgement):
    """The Registered Manager has looked at the changed evidence and the judgement stands."""
    from .figures import evidence_fingerprint, load_case_data

    if r.Role.REGISTERED_MANAGER not in set(actor_roles):
        raise wf.WorkflowError("Only a Registered Manager can confirm a judgement.")
    if judgement.superseded_at is not None:
        raise wf.WorkflowError("This judgement has been superseded by a newer one.")
    evidence, indicators = load_case_data(judgement.case)
    judgement.evidence_fingerprint = evidence_fingerprint(evidence, indicators)
    judgement.confirmed_at = timezone.now()
    judgement.confirmed_by = actor
    judgement._change_reason = "Confirmed after evidence changed"
    judgement.save()
    return judgement


# --- Escalations -------------------------------------------------------------------------

ESCALATION_MANAGER_ROLES = frozenset({r.Role.REGISTERED_MANAGER, r.Role.SENIOR_LEADER})


def _default_due(today=None):
    from datetime import timedelta

    return (today or timezone.localdate()) + timedelta(days=settings.ESCALATION_DUE_DAYS)


def escalation_raise(
    *,
    actor=None,
    case,
    trigger: str,
    action: str = "",
    detail: str = "",
    due_on=None,
    owner=None,
    dedupe_key: str | None = None,
) -> tuple[Escalation, bool]:
    """Raise an escalation. With a dedupe_key (automatic triggers) a second call for the same
    key returns the first escalation instead of raising another: (escalation, created)."""
    action = action or (case.domain.escalation_actions or ["Review with the Registered Manager"])[0]
    defaults = {
        "case": case,
        "trigger": trigger,
        "action": action,
        "detail": detail,
        "due_on": due_on or _default_due(),
        "owner": owner,
        "raised_by": actor,
    }
    with acting_as(actor):
        if dedupe_key is None:
            return Escalation.objects.create(**defaults), True
        try:
            with transaction.atomic():
                return Escalation.objects.get_or_create(dedupe_key=dedupe_key, defaults=defaults)
        except IntegrityError:
            # Two raisers raced on the same key: the other one won, use its row.
            return Escalation.objects.get(dedupe_key=dedupe_key), False


@records_actor
def escalation_raise_by_hand(*, actor, actor_roles, case, action, detail, due_on, owner=None):
    if not ESCALATION_MANAGER_ROLES & set(actor_roles):
        raise wf.WorkflowError(
            "Only a Registered Manager or Senior Leader can raise an escalation by hand."
        )
    _require_active(case)
    _require_owner_at_location(owner, case)
    escalation, _ = escalation_raise(
        actor=actor,
        case=case,
        trigger="manual",
        action=action,
        detail=detail,
        due_on=due_on,
        owner=owner,
    )
    return escalation


def _require_owner_at_location(owner, case):
    if owner is None:
        return
    from .permissions import roles_at_location

    if not roles_at_location(owner, case.location) - r.READ_ONLY_ROLES:
        raise ValidationError({"owner": "The owner must hold a role at this location."})


@records_actor
def escalation_update(
    *,
    actor,
    actor_roles,
    escalation,
    version: int,
    owner=None,
    due_on=None,
    action=None,
    status=None,
    outcome=None,
    cancel_reason="",
):
    """Assign an owner, move the due date, or move the status. The Registered Manager or a
    Senior Leader may do all of it; the owner may move status and write the outcome."""
    is_manager = bool(ESCALATION_MANAGER_ROLES & set(actor_roles))
    is_owner = escalation.owner_id == actor.pk
    if not (is_manager or is_owner):
        raise wf.WorkflowError(
            "Only the owner, the Registered Manager or a Senior Leader can update this escalation."
        )
    if not is_manager and (owner != escalation.owner or due_on not in (None, escalation.due_on)):
        raise wf.WorkflowError("Only the Registered Manager or a Senior Leader can reassign it.")
    with transaction.atomic():
        locked = (
            Escalation.objects.select_for_update()
            .select_related("case__location")
            .get(pk=escalation.pk)
        )
        if locked.version != version:
            raise StaleEdit(locked, _stale_message(locked, "This escalation"))
        if not locked.is_active:
            raise wf.WorkflowError(f"This escalation is {locked.get_status_display().lower()}.")
        _require_owner_at_location(owner, locked.case)
        if is_manager:
            locked.owner = owner
            if due_on:
                locked.due_on = due_on
            if action:
                locked.action = action
        if status:
            if (
                status == EscalationStatus.CANCELLED
                and len(cancel_reason.strip()) < wf.MIN_REASON_LENGTH
            ):
                raise ValidationError(
                    {"cancel_reason": "Say why it is cancelled (a short sentence)."}
                )
            if status == EscalationStatus.DONE and not (outcome or locked.outcome).strip():
                raise ValidationError({"outcome": "Record the outcome before marking it done."})
            locked.status = status
            locked.cancel_reason = cancel_reason.strip()
            if status in (EscalationStatus.DONE, EscalationStatus.CANCELLED):
                locked.closed_at = timezone.now()
        if outcome is not None:
            locked.outcome = outcome
        locked.version += 1
        locked.save()
    return locked


# --- The rating picture ------------------------------------------------------------------

RATING_EDITOR_ROLES = frozenset({r.Role.REGISTERED_MANAGER, r.Role.SENIOR_LEADER})
SCORE_EDITOR_ROLES = RATING_EDITOR_ROLES | {r.Role.QUALITY_LEAD}


@records_actor
def published_rating_add(*, actor, actor_roles, location, key_question, rating, published_on):
    from .models import PublishedRating

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
    from .models import StatementScore

    if not SCORE_EDITOR_ROLES & set(actor_roles):
        raise wf.WorkflowError(
            "Only a Quality Lead, Registered Manager or Senior Leader can score statements."
        )
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
