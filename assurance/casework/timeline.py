"""The case timeline: every recorded change to a case and what hangs off it, newest first.

Built from django-simple-history's tables with one query per tracked model, whatever the
number of rows, and diffs worked out in memory (no query per entry).
"""

from dataclasses import dataclass
from datetime import datetime, time
from functools import cache

from django.db.models import Value
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


@cache
def _history_rows(model):
    """The manager of `model`'s history table. Reading `Model.history` builds a new manager
    class each time (simple-history); the table's own manager is the same rows for free."""
    return model.history.model._default_manager


def _sources(case, indicator_ids=None, evidence_ids=None):
    """(model, lookup) of every tracked model that hangs off the case; a source whose id list
    is empty is left out (nothing to read)."""
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
    return [
        (model, lookup)
        for model, lookup in sources
        if not any(isinstance(v, list) and not v for v in lookup.values())
    ]


def _entry(model, row, prior) -> Entry | None:
    """The timeline entry of one history row (`prior`: the row before it of the same object,
    or None), or None for a save that changed nothing a reader would see."""
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
    silent = row.history_type == "~" and not changes and not row.history_change_reason
    if silent and not what.endswith(("completed", "reopened", "draft saved")):
        return None
    return Entry(
        when=row.history_date,
        who=_user_name(row.history_user),
        what=what,
        changes=changes,
        reason=row.history_change_reason or "",
    )


def build(case, *, indicator_ids=None, evidence_ids=None, lapses=()) -> list[Entry]:
    """Every entry, newest first: one query per tracked model, every row read in full."""
    entries = lapse_entries(lapses)
    for model, lookup in _sources(case, indicator_ids, evidence_ids):
        rows = (
            _history_rows(model)
            .filter(**lookup)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        previous = {}
        for row in rows:
            entry = _entry(model, row, previous.get(row.id))
            previous[row.id] = row
            if entry is not None:
                entries.append(entry)
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def latest(case, *, limit, indicator_ids=None, evidence_ids=None, lapses=()):
    """(the newest `limit` entries, how many there are in all): the same as `build(...)[:limit]`
    and `len(build(...))`, without reading every row in full.

    One query lists every history row of the case by its dates and kind only (a UNION of
    the tracked models). Only a change ("~") can turn out to be a save that changed nothing,
    and telling needs it and the row before it in full; every other row is an entry. So the
    rows read in full are the changes, the rows before them, and the newest `limit` plus one
    per change by date (the newest `limit` entries are among those, whichever changes turn
    out to be silent): one more query per model that has any, however long the history."""
    sources = _sources(case, indicator_ids, evidence_ids)
    light = None
    for index, (model, lookup) in enumerate(sources):
        rows = (
            _history_rows(model)
            .filter(**lookup)
            .annotate(timeline_source=Value(index))
            .values_list("timeline_source", "id", "history_date", "history_id", "history_type")
            .order_by()
        )
        light = rows if light is None else light.union(rows, all=True)
    rows = sorted(light or [], key=lambda r: (r[0], r[1], r[2], r[3]))
    # Each row's place in `build`'s order before its stable sort by date: lapses first, then
    # by model, object, date.
    before, changes, chain = {}, [], {}
    for source, object_id, _, history_id, kind in rows:
        key = (source, history_id)
        prior = chain.get((source, object_id))
        before[key] = prior
        chain[(source, object_id)] = key
        if kind == "~":
            changes.append(key)
    by_date = sorted(range(len(rows)), key=lambda i: rows[i][2], reverse=True)
    wanted = set(changes) | {before[k] for k in changes if before[k] is not None}
    wanted |= {(rows[i][0], rows[i][3]) for i in by_date[: limit + len(changes)]}
    full = {}
    for source in sorted({source for source, _ in wanted}):
        model = sources[source][0]
        ids = [history_id for s, history_id in wanted if s == source]
        for row in _history_rows(model).filter(history_id__in=ids).select_related("history_user"):
            full[(source, row.history_id)] = row
    # (when, entry) in `build`'s order; a row not read in full cannot be among the newest
    # `limit` and stands in by its date alone.
    entries = [(entry.when, entry) for entry in lapse_entries(lapses)]
    for source, _, when, history_id, kind in rows:
        key = (source, history_id)
        if kind == "~":
            prior = before[key]
            entry = _entry(sources[source][0], full[key], full[prior] if prior else None)
            if entry is None:
                continue
        elif key in full:
            entry = _entry(sources[source][0], full[key], None)
        else:
            entry = None
        entries.append((when, entry))
    entries.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _, entry in entries[:limit]], len(entries)
