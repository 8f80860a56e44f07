"""Gather everything a report shows in a fixed number of queries, whatever the number of
cases, evidence items or readings. Returns plain context for the one template that renders
both the HTML preview and the PDF."""

import hashlib
import json
from collections import Counter, defaultdict
from datetime import datetime, time
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from assurance.cases.models import CaseStatus, ImprovementCase, Indicator, Reading, StepRecord
from assurance.cases.workflow import same_person_notes, step_completions
from assurance.casework.presentation import artefact_rows, corroboration_grid
from assurance.escalations.models import Escalation
from assurance.judgement import readiness
from assurance.judgement.figures import case_readiness, evidence_fingerprint, fingerprint_changes
from assurance.judgement.models import InfluenceLevel, ProportionalityJudgement
from assurance.organisations.models import Team
from assurance.rating import picture as rating_picture
from assurance.reviews.models import DeliveryStatus, ReminderDelivery, Review, ReviewStatus
from evidence.models import (
    EmbeddingAction,
    EvidenceItem,
    InfluenceLink,
    PracticeCheck,
    Source,
)

from .charts import bar_chart
from .periods import Quarter


def cutoff_for(quarter: Quarter, now=None) -> datetime:
    """The end of the quarter (Europe/London), or now if the quarter has not ended."""
    now = now or timezone.now()
    end = timezone.make_aware(datetime.combine(quarter.end, time.max))
    return min(now, end)


def _cases_with_everything(cases, cutoff):
    """Each case with everything a report shows, as recorded up to the data cut-off: a past
    quarter's report does not show evidence, readings, judgements or escalations that came
    later (a judgement superseded after the cut-off still counts as current then)."""
    day = timezone.localdate(cutoff)
    return cases.select_related("location__provider", "domain", "opened_by").prefetch_related(
        Prefetch("steps", queryset=StepRecord.objects.select_related("completed_by")),
        Prefetch(
            "evidence",
            queryset=EvidenceItem.objects.filter(occurred_on__lte=day, created_at__lte=cutoff)
            .select_related("team", "category", "created_by")
            .prefetch_related("files")
            .order_by("occurred_on", "id"),
        ),
        Prefetch(
            "indicators",
            queryset=Indicator.objects.prefetch_related(
                Prefetch("readings", queryset=Reading.objects.filter(taken_on__lte=day))
            ),
        ),
        Prefetch(
            "links",
            queryset=InfluenceLink.objects.filter(created_at__lte=cutoff).prefetch_related(
                "evidence"
            ),
        ),
        Prefetch(
            "practice_checks",
            queryset=PracticeCheck.objects.filter(created_at__lte=cutoff).select_related("team"),
        ),
        Prefetch(
            "embedding_actions",
            queryset=EmbeddingAction.objects.filter(created_at__lte=cutoff).select_related("team"),
        ),
        Prefetch(
            "judgements",
            queryset=ProportionalityJudgement.objects.filter(recorded_at__lte=cutoff)
            .select_related("recorded_by")
            .prefetch_related("key_questions"),
        ),
        Prefetch(
            "escalations",
            queryset=Escalation.objects.filter(raised_at__lte=cutoff)
            .with_overdue_flag(day)
            .select_related("owner"),
        ),
        Prefetch(
            "reviews",
            queryset=Review.objects.filter(period_start__lte=day)
            .select_related("completed_by")
            .order_by("-due_on", "-id"),
        ),
    )


def _gone(moment, cutoff) -> bool:
    return moment is not None and moment <= cutoff


def _latest_then(model, cutoff, **filters) -> dict:
    """Each row of `model` as its history recorded it at the cut-off (one query)."""
    rows = model.history.filter(history_date__lte=cutoff, **filters).latest_of_each()
    return {row.id: row for row in rows}


def _record_then(cases, cutoff) -> dict:
    """Case status and step, step artefacts and escalation states as they stood at the
    cut-off (three queries), so a past quarter's report shows the trail as it was."""
    ids = [c.pk for c in cases]
    steps = _latest_then(StepRecord, cutoff, case_id__in=ids)
    # Steps are created in bulk with their case (no history row): one first changed only
    # after the cut-off was still blank then.
    changed_later = set(
        StepRecord.history.filter(history_date__gt=cutoff, case_id__in=ids)
        .exclude(id__in=list(steps))
        .values_list("id", flat=True)
    )
    for step_id in changed_later:
        steps[step_id] = BLANK_STEP
    return {
        "cases": _latest_then(ImprovementCase, cutoff, id__in=ids),
        "steps": steps,
        "escalations": _latest_then(Escalation, cutoff, case_id__in=ids),
        "links": _links_then(ids, cutoff),
    }


def _links_then(case_ids, cutoff) -> dict:
    """Each influence link's mark (evidenced or assumed), note and items as its history
    recorded them at the cut-off (two queries): a link re-marked or given other items after
    the cut-off is shown, and counted, as it was then."""
    rows = _latest_then(InfluenceLink, cutoff, case_id__in=case_ids)
    through = InfluenceLink.history.model._meta.get_field(
        "historicalinfluencelink_evidence"
    ).related_model
    items = defaultdict(list)
    for history_id, item_id in through.objects.filter(
        history_id__in=[row.history_id for row in rows.values()]
    ).values_list("history_id", "evidenceitem_id"):
        items[history_id].append(item_id)
    for row in rows.values():
        row.evidence_ids_then = tuple(sorted(items.get(row.history_id, ())))
    return rows


def _link_as_then(link, then, evidence_by_id) -> None:
    """Give `link` its state at the cut-off. Its prefetched items are replaced by the ones
    it named then (among the evidence on record then), so the template, the corroboration
    grid and the figures all read the same set."""
    if then is None:
        return
    link.status, link.note = then.status, then.note
    link.evidence_ids_then = then.evidence_ids_then
    link.evidence.all()._result_cache = [
        evidence_by_id[i] for i in then.evidence_ids_then if i in evidence_by_id
    ]


_CASE_THEN = ("status", "current_step", "status_reason")
BLANK_STEP = SimpleNamespace(
    data={},
    updated_at=None,
    updated_by_id=None,
    completed_at=None,
    completed_by_id=None,
    self_validation=False,
    version=1,
)
_STEP_THEN = (
    "data",
    "updated_at",
    "updated_by_id",
    "completed_at",
    "completed_by_id",
    "self_validation",
    "version",
)
_ESCALATION_THEN = ("status", "owner_id", "due_on", "outcome", "closed_at", "action")


def _with_users(record) -> dict:
    """The people the then-state names (who completed a step, who owned an escalation):
    one query."""
    ids = {s.completed_by_id for s in record["steps"].values()} | {
        e.owner_id for e in record["escalations"].values()
    }
    ids.discard(None)
    record["users"] = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
    return record


def _copy(target, source, fields) -> bool:
    if source is None:
        return False
    for field in fields:
        setattr(target, field, getattr(source, field))
    return True


def _judgements_then(cases, cutoff) -> dict:
    """Each judgement as it stood at the cut-off (one query): later confirmations update a
    judgement's standing (what the evidence supported, the justification), and a judgement
    superseded later was still current then."""
    return {
        j.pk: j
        for j in ProportionalityJudgement.history.as_of(cutoff).filter(
            case_id__in=[c.pk for c in cases]
        )
    }


_STANDING = (
    "superseded_at",
    "supportable_level",
    "overclaim_justification",
    "evidence_fingerprint",
    "confirmed_at",
    "confirmed_by_id",
)


def _case_view(case, teams, today, cutoff, judgements_then=None, record_then=None):
    """One case as it stood at the cut-off. `teams`: all the location's teams."""
    steps = sorted(case.steps.all(), key=lambda s: s.number)
    escalations = list(case.escalations.all())
    if record_then is not None:
        users = record_then["users"]
        _copy(case, record_then["cases"].get(case.pk), _CASE_THEN)
        for step in steps:
            if _copy(step, record_then["steps"].get(step.pk), _STEP_THEN):
                step.completed_by = users.get(step.completed_by_id)
        for escalation in escalations:
            if _copy(escalation, record_then["escalations"].get(escalation.pk), _ESCALATION_THEN):
                escalation.owner = users.get(escalation.owner_id)
                escalation.is_overdue = escalation.is_active and escalation.due_on < today
    evidence = list(case.evidence.all())
    for item in evidence:
        if item.withdrawn_at is not None and item.withdrawn_at > cutoff:
            item.withdrawn_at, item.withdrawn_reason = None, ""  # still current then
    indicators = list(case.indicators.all())
    links = list(case.links.all())
    if record_then is not None:
        by_id = {item.id: item for item in evidence}
        for link in links:
            _link_as_then(link, record_then["links"].get(link.pk), by_id)
    ready = case_readiness(
        case,
        as_of=cutoff,
        today=today,
        evidence=evidence,
        indicators=indicators,
        links=links,
        teams=teams,
    )
    teams = [t for t in teams if t.created_at <= cutoff and not _gone(t.archived_at, cutoff)]
    judgements = list(case.judgements.all())
    for j in judgements:
        then = (judgements_then or {}).get(j.pk)
        for field in _STANDING if then is not None else ():
            setattr(j, field, getattr(then, field))
    judgement = next(
        (j for j in judgements if j.superseded_at is None or j.superseded_at > cutoff), None
    )
    changes = []
    if judgement:
        changes = fingerprint_changes(
            judgement.evidence_fingerprint, evidence_fingerprint(evidence, indicators, as_of=cutoff)
        )
    per_team = dict(ready.figures.spread.supporting_per_team)
    spread_chart = bar_chart(
        [(team.name, per_team.get(team.id, 0)) for team in teams],
        caption=f"Supporting frontline evidence per team, last {ready.thresholds.window_days} days",
    )
    source_chart = bar_chart(
        [
            (Source(c.source).label, c.supporting, c.contradicting)
            for c in ready.figures.corroboration.counts
        ],
        caption="Evidence by source in the window: supporting (green) and contradicting (red)",
    )
    by_source = defaultdict(list)
    for item in evidence:
        by_source[item.source].append(item)
    return {
        "case": case,
        "steps": [(step, artefact_rows(step)) for step in steps],
        "evidence": evidence,
        "evidence_by_source": [(Source(s).label, by_source.get(s, [])) for s in Source],
        "indicators": indicators,
        "links": links,
        "checks": list(case.practice_checks.all()),
        "actions": list(case.embedding_actions.all()),
        "ready": ready,
        "judgement": judgement,
        "earlier_judgements": [j for j in judgements if j is not judgement],
        "evidence_changes": changes,
        "escalations": escalations,
        "grid": corroboration_grid(case, evidence, links),
        "spread_chart": spread_chart,
        "source_chart": source_chart,
        "reviews": list(case.reviews.all()),
        # Separation of duties: "Steps 1 and 2 were both completed by ..." (as at the cut-off).
        "same_person": same_person_notes(step_completions(steps)),
    }


def _review_figures(provider, location, quarter, cutoff) -> dict:
    """Reviews completed and missed, reminders sent and failed, in the quarter: 2 queries."""
    start = timezone.make_aware(datetime.combine(quarter.start, time.min))
    cutoff_day = timezone.localdate(cutoff)
    reviews = Review.objects.filter(provider=provider)
    deliveries = ReminderDelivery.objects.filter(provider=provider)
    if location is not None:
        reviews = reviews.filter(location=location)
        deliveries = deliveries.filter(location=location)
    in_quarter = Q(due_on__gte=quarter.start, due_on__lte=cutoff_day)
    review_counts = reviews.aggregate(
        completed=Count(
            "id",
            filter=Q(
                status=ReviewStatus.COMPLETED, completed_at__gte=start, completed_at__lte=cutoff
            ),
        ),
        missed=Count(
            "id",
            filter=in_quarter
            & (
                Q(status=ReviewStatus.SKIPPED)
                | Q(status=ReviewStatus.DUE, due_on__lt=cutoff_day)
                | Q(status=ReviewStatus.COMPLETED, completed_at__date__gt=F("due_on"))
            ),
        ),
    )
    delivery_counts = deliveries.aggregate(
        sent=Count(
            "id", filter=Q(status=DeliveryStatus.SENT, sent_at__gte=start, sent_at__lte=cutoff)
        ),
        failed=Count(
            "id",
            filter=Q(status=DeliveryStatus.FAILED, updated_at__gte=start, updated_at__lte=cutoff),
        ),
    )
    return {
        "reviews_completed": review_counts["completed"],
        "reviews_missed": review_counts["missed"],
        "review_findings": list(Review.objects.quarterly_findings(provider, start, cutoff)),
        "reminders_sent": delivery_counts["sent"],
        "reminders_failed": delivery_counts["failed"],
    }


def figures_fingerprint(case_views) -> dict:
    """A SHA-256 of every figure and flag a report shows, whole and per case, so a report made
    again later can say whether it shows the same (it should, for the same cut-off)."""

    def digest(value) -> str:
        return hashlib.sha256(
            json.dumps(value, sort_keys=True, default=str).encode("utf-8")
        ).hexdigest()

    per_case = {}
    for view in case_views:
        judgement = view["judgement"]
        per_case[str(view["case"].uuid)] = digest(
            {
                "figures": readiness.figures_to_dict(view["ready"].figures),
                "supports": view["ready"].assessment.level,
                "judgement": judgement
                and {
                    "level": judgement.level,
                    "supported": judgement.supportable_level,
                    "exceeds": judgement.exceeds_evidence,
                },
                "evidence_changed": view["evidence_changes"],
            }
        )
    return {"sha256": digest(per_case), "cases": per_case}


def case_summary_data(case, *, now=None) -> dict:
    now = now or timezone.now()
    case = _cases_with_everything(ImprovementCase.objects.filter(pk=case.pk), now).get()
    teams = list(Team.objects.filter(location_id=case.location_id))
    view = _case_view(case, teams, timezone.localdate(now), now)
    return {
        "kind": "case",
        "title": f"Assurance summary: {case.title}",
        "provider": case.location.provider,
        "location": case.location,
        "generated_at": now,
        "data_cutoff": now,
        "c": view,
        "fingerprint": figures_fingerprint([view]),
    }


def quarterly_data(provider, quarter: Quarter, *, location=None, now=None, requested_by=None):
    now = now or timezone.now()
    cutoff = cutoff_for(quarter, now)
    today = timezone.localdate(cutoff)
    locations = list(provider.locations.filter(is_active=True).order_by("name"))
    if location is not None:
        locations = [loc for loc in locations if loc.pk == location.pk]
    teams_by_location = defaultdict(list)
    for team in Team.objects.filter(location__in=locations):
        teams_by_location[team.location_id].append(team)
    cases = list(
        _cases_with_everything(
            ImprovementCase.objects.filter(location__in=locations, opened_at__lte=cutoff), cutoff
        ).order_by("location__name", "opened_at", "id")
    )
    then = _judgements_then(cases, cutoff)
    record = _with_users(_record_then(cases, cutoff))
    case_views = [
        _case_view(c, teams_by_location[c.location_id], today, cutoff, then, record) for c in cases
    ]
    pictures = framework_pictures(locations, cutoff)

    by_status = Counter(c.status for c in cases)
    by_level = Counter(v["judgement"].level for v in case_views if v["judgement"])
    exceeding = [v for v in case_views if v["judgement"] and v["judgement"].exceeds_evidence]
    escalations = [e for v in case_views for e in v["escalations"]]
    open_escalations = [e for e in escalations if e.is_active]
    overdue_escalations = [e for e in open_escalations if e.due_on < today]
    summary = {
        "by_status": [(label, by_status.get(value, 0)) for value, label in CaseStatus.choices],
        "by_level": [(label, by_level.get(value, 0)) for value, label in InfluenceLevel.choices],
        "no_judgement": sum(1 for v in case_views if not v["judgement"]),
        "exceeding": exceeding,
        "open_escalations": len(open_escalations),
        "overdue_escalations": len(overdue_escalations),
        **_review_figures(provider, location, quarter, cutoff),
    }
    scope = location.name if location else provider.name
    return {
        "kind": "quarterly",
        "title": f"Quarterly assurance report: {scope}, {quarter.label}",
        "provider": provider,
        "scope_location": location,
        "quarter": quarter,
        "generated_at": now,
        "generated_by": requested_by,
        "data_cutoff": cutoff,
        "locations": locations,
        "pictures": pictures,
        "cases": case_views,
        "summary": summary,
        "fingerprint": figures_fingerprint(case_views),
    }


# --- Frameworks and rating pictures at the cut-off ------------------------------------------


def framework_pictures(locations, cutoff) -> list:
    """[(location, rating picture)] as they stood at the cut-off: each location under the
    framework it was assessed against then (a switch recorded later does not show), with the
    published ratings, scores and self-judgements recorded by then and the case judgements
    current then. templates/reports/_framework_section.html names the framework and, for an
    in-the-round one, prints the self-judgements with their rationale. A fixed number of
    queries per location, whatever the number of cases."""
    return [(loc, rating_picture.build(loc, as_of=cutoff)) for loc in locations]
