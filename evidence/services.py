"""State-changing writes for evidence: items and files, influence links, practice checks and
embedding actions. Each checks the workflow rules first and changes nothing when refused."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assurance.cases import workflow as wf
from assurance.cases.services import case_state, require_active
from assurance.common.history import records_actor
from assurance.common.reasons import check_reason_length
from assurance.common.storage import save_verified
from assurance.organisations.permissions import can_write
from domains.roles import Role

from .models import (
    Consistency,
    DownloadVia,
    EmbeddingAction,
    EvidenceFile,
    EvidenceFileDownload,
    EvidenceItem,
    InfluenceLink,
    LinkStatus,
    PracticeCheck,
    Source,
    Stance,
)
from .uploads import check_total, check_upload

log = logging.getLogger(__name__)


def _store(stored: EvidenceFile, checked) -> None:
    """Write a checked upload through the storage (disk or bucket) and confirm its size there.
    The object carries the type read from the content, never the one the browser claimed."""
    checked.upload.content_type = checked.content_type
    try:
        save_verified(stored.file, checked.original_name, checked.upload, size=checked.size)
    except Exception as exc:
        log.warning("Could not store evidence file %r", checked.original_name, exc_info=True)
        raise ValidationError(
            {
                "files": f"“{checked.original_name}” could not be stored: the file store is not "
                "answering. Nothing was saved; try again in a minute."
            }
        ) from exc


def _require_team_at_location(team, case):
    if team is not None and team.location_id != case.location_id:
        raise wf.WorkflowError("That team is not at this case's location.")


@records_actor
def evidence_add(
    *,
    actor,
    actor_roles,
    case,
    step_number: int,
    source: str,
    category,
    occurred_on,
    team=None,
    stance: str = Stance.SUPPORTS,
    summary: str,
    files=(),
    valid_until=None,
) -> EvidenceItem:
    """Record an evidence item with its files. Files are checked before anything is stored."""
    if not can_write(actor_roles):
        raise wf.WorkflowError("Viewers can read evidence but not add it.")
    require_active(case)
    _require_team_at_location(team, case)
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "The date it describes cannot be in the future."})
    if valid_until is not None and valid_until < occurred_on:
        raise ValidationError(
            {"valid_until": "Enter a date on or after the date the evidence describes."}
        )
    checked = []
    errors = []
    for upload in files:
        try:
            checked.append(check_upload(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if not errors:
        try:
            check_total(files)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"files": errors})
    written = []
    try:
        with transaction.atomic():
            item = EvidenceItem.objects.create(
                case=case,
                step_number=step_number,
                source=source,
                category=category,
                occurred_on=occurred_on,
                team=team,
                stance=stance,
                valid_until=valid_until,
                summary=summary,
                created_by=actor,
            )
            for f in checked:
                stored = EvidenceFile(
                    item=item,
                    original_name=f.original_name,
                    content_type=f.content_type,
                    size=f.size,
                    sha256=f.sha256,
                    uploaded_by=actor,
                )
                _store(stored, f)
                written.append(stored.file)
                stored.save()
    except BaseException:
        # Nothing is kept when the item is not: remove files already written to storage.
        for fieldfile in written:
            try:
                fieldfile.storage.delete(fieldfile.name)
            except Exception:  # noqa: BLE001 - the original error matters more
                log.warning("Could not remove unused file %s", fieldfile.name, exc_info=True)
        raise
    return item


@records_actor
def evidence_withdraw(*, actor, actor_roles, item: EvidenceItem, reason: str) -> EvidenceItem:
    if not (item.created_by_id == actor.pk or Role.REGISTERED_MANAGER in set(actor_roles)):
        raise wf.WorkflowError(
            "Only the person who added this evidence or a Registered Manager can withdraw it."
        )
    if len((reason or "").strip()) < wf.MIN_REASON_LENGTH:
        raise ValidationError({"reason": "Say why this evidence is withdrawn (a short sentence)."})
    check_reason_length(reason.strip())
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().select_related("case").get(pk=item.pk)
        # A closed case is read-only: its figures and past reports stand as they are.
        require_active(locked.case)
        if locked.withdrawn_at is None:
            locked.withdrawn_at = timezone.now()
            locked.withdrawn_by = actor
            locked.withdrawn_reason = reason.strip()
            locked._change_reason = f"Withdrawn: {reason.strip()}"
            locked.save()
    return locked


def evidence_file_record_download(
    *, actor, stored: EvidenceFile, via: str = DownloadVia.WEB
) -> EvidenceFileDownload:
    """Record that `actor` read the file (the web download and the API both call this)."""
    return EvidenceFileDownload.objects.create(file=stored, user=actor, via=via)


def _require_step_editable(*, case, number, actor_roles):
    wf.can_edit_step(case_state(case), number, actor_roles=actor_roles).require()


@records_actor
def link_save(
    *, actor, actor_roles, case, area: str, status: str, note: str = "", evidence=()
) -> InfluenceLink:
    """Step 2: record one wider area as evidenced (with items) or assumed."""
    _require_step_editable(case=case, number=2, actor_roles=actor_roles)
    evidence = list(evidence)
    if status == LinkStatus.EVIDENCED and not evidence:
        raise ValidationError(
            {
                "evidence": "An evidenced link needs at least one evidence item. "
                "Otherwise mark it as assumed."
            }
        )
    if any(item.case_id != case.pk or item.is_withdrawn for item in evidence):
        raise ValidationError({"evidence": "Choose current evidence items from this case."})
    if any(item.stance != Stance.SUPPORTS for item in evidence):
        raise ValidationError(
            {
                "evidence": "Choose items that support the claim: one that contradicts it cannot "
                "evidence a link."
            }
        )
    area = " ".join(area.split())
    try:
        with transaction.atomic():
            link, _ = InfluenceLink.objects.update_or_create(
                case=case,
                area=area,
                defaults={"status": status, "note": note, "created_by": actor},
            )
            link.evidence.set(evidence if status == LinkStatus.EVIDENCED else [])
    except IntegrityError as exc:
        raise ValidationError({"area": "This area already has a link."}) from exc
    return link


@records_actor
def practice_check_add(
    *, actor, actor_roles, case, team, shift, sampled, outcome, occurred_on, category
) -> PracticeCheck:
    """Step 3: a check of practice, recorded as a staff-practice evidence item too.

    Only a consistent check supports the claim; partly or not consistent practice counts
    against it, so mixed practice can never read as corroboration.
    """
    _require_step_editable(case=case, number=3, actor_roles=actor_roles)
    _require_team_at_location(team, case)
    with transaction.atomic():
        item = evidence_add(
            actor=actor,
            actor_roles=actor_roles,
            case=case,
            step_number=3,
            source=Source.STAFF_PRACTICE,
            category=category,
            occurred_on=occurred_on,
            team=team,
            stance=Stance.SUPPORTS if outcome == Consistency.CONSISTENT else Stance.CONTRADICTS,
            summary=f"{Consistency(outcome).label} practice ({team}, {shift} shift): {sampled}",
        )
        return PracticeCheck.objects.create(
            case=case,
            team=team,
            shift=shift,
            sampled=sampled,
            outcome=outcome,
            evidence_item=item,
            created_by=actor,
        )


@records_actor
def embedding_action_add(
    *, actor, actor_roles, case, kind, description, team, action_date, completed
) -> EmbeddingAction:
    """Step 4: an action taken locally to embed the stronger standard."""
    _require_step_editable(case=case, number=4, actor_roles=actor_roles)
    _require_team_at_location(team, case)
    return EmbeddingAction.objects.create(
        case=case,
        kind=kind,
        description=description,
        team=team,
        action_date=action_date,
        completed=completed,
        created_by=actor,
    )
