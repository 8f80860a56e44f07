"""The case timeline: every recorded change to a case and what hangs off it, newest first.

Built from django-simple-history's tables with one query per tracked model, whatever the
number of rows, and diffs worked out in memory (no query per entry).
"""

from dataclasses import dataclass
from datetime import datetime, time

from django.utils import timezone

from assurance.cases.models import ImprovementCase, Indicator, Reading, StepRecord
from assurance.escalations.models import Escalation
from assurance.judgement.models import ProportionalityJudgement
from evidence.models import (
    EmbeddingAction,
    EvidenceFile,
    EvidenceItem,
    InfluenceLink,
    PracticeCheck,
)

# Fields that change on every save and say nothing to a reader.
_QUIET = {"version", "updated_at", "updated_by", "id", "uuid"}


@dataclass(frozen=True)
class Entry:
    when: datetime
    who: str
    what: str
    changes: tuple[str, ...]
    reason: str


def _label(model):
    return {
        ImprovementCase: "Case",
        StepRecord: "Step",
        Indicator: "Indicator",
        Reading: "Reading",
        EvidenceItem: "Evidence",
        EvidenceFile: "File",
        InfluenceLink: "Influence link",
        PracticeCheck: "Practice check",
        EmbeddingAction: "Embedding action",
        ProportionalityJudgement: "Judgement",
        Escalation: "Escalation",
    }[model]


def _describe(model, row) -> str:
    if model is StepRecord:
        return f"Step {row.number} – {row.artefact_label}"
    if model is ImprovementCase:
        return f"Case “{row.title}”"
    if model is Reading:
        return f"Reading {row.value} on {row.taken_on:%d %b %Y}"
    if model is EvidenceItem:
        return f"Evidence ({row.get_source_display()}, {row.occurred_on:%d %b %Y})"
    if model is EvidenceFile:
        return f"File “{row.original_name}” (SHA-256 {row.sha256[:12]}…)"
    if model is InfluenceLink:
        return f"Influence link “{row.area}” ({row.get_status_display()})"
    if model is Escalation:
        return f"Escalation “{row.action}” ({row.get_status_display()})"
    if model is ProportionalityJudgement:
        return f"Judgement: {row.get_level_display()}"
    return f"{_label(model)} “{row}”"


def _field_names(model):
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in _QUIET and not f.attname.startswith("history_")
    ]


def _changes(model, old, new) -> tuple[str, ...]:
    out = []
    for name in _field_names(model):
        before, after = getattr(old, name, None), getattr(new, name, None)
        if before != after:
            if name == "data":
                out.append("artefact text updated")
            elif name.endswith("_id"):
                out.append(f"{name[:-3].replace('_', ' ')} changed")
            else:
                verbose = model._meta.get_field(name).verbose_name
                out.append(f"{verbose}: “{_short(before)}” → “{_short(after)}”")
    return tuple(out)


def _short(value):
    text = "—" if value in (None, "", [], {}) else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _user_name(user):
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


def lapse_entries(lapses) -> list[Entry]:
    """Links assumed again because their backing ran out (readiness.link_lapses): nobody
    recorded these, the evidence's own dates did, so they are worked out, not stored."""
    return [
        Entry(
            when=lapse.at or timezone.make_aware(datetime.combine(lapse.on, time.min)),
            who="Worked out from the evidence",
            what=f"Influence link “{lapse.area}” assumed again",
            changes=(),
            reason=f"No current supporting evidence: {lapse.cause}.",
        )
        for lapse in lapses
    ]


def build(case, *, indicator_ids=None, evidence_ids=None, lapses=()) -> list[Entry]:
    sources = [
        (ImprovementCase, {"id": case.id}),
        (StepRecord, {"case_id": case.id}),
        (Indicator, {"case_id": case.id}),
        (
            Reading,
            {"indicator_id__in": indicator_ids}
            if indicator_ids is not None
            else {"indicator__case_id": case.id},
        ),
        (EvidenceItem, {"case_id": case.id}),
        (
            EvidenceFile,
            {"item_id__in": evidence_ids}
            if evidence_ids is not None
            else {"item__case_id": case.id},
        ),
        (InfluenceLink, {"case_id": case.id}),
        (PracticeCheck, {"case_id": case.id}),
        (EmbeddingAction, {"case_id": case.id}),
        (ProportionalityJudgement, {"case_id": case.id}),
        (Escalation, {"case_id": case.id}),
    ]
    entries = lapse_entries(lapses)
    for model, lookup in sources:
        if any(isinstance(v, list) and not v for v in lookup.values()):
            continue
        rows = (
            model.history.filter(**lookup)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        previous = {}
        for row in rows:
            prior = previous.get(row.id)
            if row.history_type == "+":
                what, changes = f"{_describe(model, row)} created", ()
            elif row.history_type == "-":
                what, changes = f"{_describe(model, row)} deleted", ()
            else:
                changes = _changes(model, prior, row) if prior else ()
                what = f"{_describe(model, row)} changed"
                if model is StepRecord and prior is not None:
                    if row.completed_at and not prior.completed_at:
                        what, changes = f"{_describe(model, row)} completed", ()
                    elif prior.completed_at and not row.completed_at:
                        what, changes = f"{_describe(model, row)} reopened", ()
                    elif changes == ("artefact text updated",):
                        what, changes = f"{_describe(model, row)}: draft saved", ()
            previous[row.id] = row
            silent = row.history_type == "~" and not changes and not row.history_change_reason
            if silent and not what.endswith(("completed", "reopened", "draft saved")):
                continue
            entries.append(
                Entry(
                    when=row.history_date,
                    who=_user_name(row.history_user),
                    what=what,
                    changes=changes,
                    reason=row.history_change_reason or "",
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
