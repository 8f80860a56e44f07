"""Read a case's recorded data into readiness facts (a fixed number of queries) and
fingerprint the evidence a judgement rests on."""

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.utils import timezone

from assurance.cases.models import Indicator, Side
from assurance.judgement import readiness, words
from assurance.organisations.models import Team
from evidence.models import EvidenceItem, InfluenceLink, LinkStatus, Stance


def thresholds_for(provider) -> readiness.Thresholds:
    """Settings defaults, then the provider's own overrides."""
    base = readiness.Thresholds.from_dict(settings.READINESS_THRESHOLDS).to_dict()
    for key, value in (provider.readiness_thresholds or {}).items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return readiness.Thresholds.from_dict(base)


@dataclass(frozen=True)
class CaseReadiness:
    facts: readiness.CaseFacts
    thresholds: readiness.Thresholds
    figures: readiness.Figures
    assessment: readiness.Assessment
    evidence: list  # EvidenceItem rows (withdrawn included), with files prefetched
    indicators: list  # Indicator rows with readings prefetched

    @cached_property
    def words(self) -> words.FigureWords:
        """Each figure explained in plain words, with its numbers."""
        return words.explain(self.figures)

    @cached_property
    def contradicting(self):
        ids = {e.id for e in self.figures.corroboration.contradicting}
        return [item for item in self.evidence if item.id in ids]


def load_case_data(case):
    """The rows the figures, the fingerprint and the case page share: 3 queries."""
    evidence = list(
        EvidenceItem.objects.filter(case=case)
        .select_related("team", "category", "created_by")
        .prefetch_related("files")
    )
    indicators = list(Indicator.objects.filter(case=case).prefetch_related("readings__team"))
    return evidence, indicators


def _link_evidence_ids(link) -> tuple:
    """The items a link names: as the record stood at a report's cut-off when the report set
    them (reports/data.py), else its current items."""
    then = getattr(link, "evidence_ids_then", None)
    return then if then is not None else tuple(item.id for item in link.evidence.all())


def case_readiness(
    case, *, as_of=None, today=None, evidence=None, indicators=None, links=None, teams=None
):
    """The readiness figures of `case` as its record stood at `as_of` (default: now).

    Rows may be passed in (the case page and reports load them once); they may include
    rows added after `as_of` and withdrawn or archived ones: the pure module reads each as
    it was at `as_of`. `teams` should be all the location's teams, archived ones too.
    """
    as_of = as_of or timezone.now()
    today = today or timezone.localdate(as_of)
    if evidence is None or indicators is None:
        evidence, indicators = load_case_data(case)
    if links is None:
        links = list(InfluenceLink.objects.filter(case=case).prefetch_related("evidence"))
    if teams is None:
        teams = list(Team.objects.filter(location_id=case.location_id))
    facts = readiness.CaseFacts(
        today=today,
        as_of=as_of,
        teams=tuple(
            readiness.TeamFact(t.id, t.name, added_at=t.created_at, archived_at=t.archived_at)
            for t in teams
        ),
        evidence=tuple(
            readiness.EvidenceFact(
                id=item.id,
                source=item.source,
                supports=item.stance == Stance.SUPPORTS,
                occurred_on=item.occurred_on,
                team_id=item.team_id,
                summary=item.summary[:120],
                recorded_at=item.created_at,
                withdrawn_at=item.withdrawn_at,
                valid_until=item.valid_until,
            )
            for item in evidence
        ),
        indicators=tuple(
            readiness.IndicatorFact(
                id=ind.id,
                name=ind.name,
                higher_is_better=ind.higher_is_better,
                baseline=float(ind.baseline),
                target=float(ind.target),
                frontline=ind.side == Side.FRONTLINE,
                readings=tuple(
                    (r.taken_on, float(r.value), r.recorded_at) for r in ind.readings.all()
                ),
                added_at=ind.created_at,
            )
            for ind in indicators
        ),
        links=tuple(
            readiness.LinkFact(
                area=link.area,
                evidenced=link.status == LinkStatus.EVIDENCED,
                evidence_ids=_link_evidence_ids(link),
                added_at=link.created_at,
            )
            for link in links
        ),
    )
    thresholds = thresholds_for(case.location.provider)
    figures = readiness.compute_figures(facts, thresholds)
    return CaseReadiness(
        facts=facts,
        thresholds=thresholds,
        figures=figures,
        assessment=readiness.assess(figures, thresholds),
        evidence=evidence,
        indicators=indicators,
    )


def _digest(payload) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()


def _files_of(item):
    """The item's files: the plain list a `Prefetch(..., to_attr="file_list")` left
    (casework/evidence_summary.py), or its files as prefetched or queried."""
    listed = getattr(item, "file_list", None)
    return listed if listed is not None else item.files.all()


def evidence_fingerprint(evidence, indicators, *, as_of=None) -> dict:
    """SHA-256 of every evidence item (its content and its files' hashes) and of the readings.

    Comparing a stored fingerprint with a fresh one tells whether anything a judgement
    rested on was added, withdrawn or changed since.
    """
    items = {}
    files = {}
    for item in evidence:
        listed = _files_of(item)
        file_hashes = sorted(f.sha256 for f in listed)
        for f in listed:
            files[str(f.uuid)] = f.sha256
        items[str(item.uuid)] = _digest(
            {
                "source": item.source,
                "stance": item.stance,
                "occurred_on": item.occurred_on,
                "team": item.team_id,
                "category": item.category_id,
                "summary": item.summary,
                "withdrawn": item.withdrawn_at is not None
                and (as_of is None or item.withdrawn_at <= as_of),
                "files": file_hashes,
            }
        )
    readings = _digest(
        sorted(
            (ind.id, str(r.taken_on), str(r.value), r.team_id)
            for ind in indicators
            for r in ind.readings.all()
            if as_of is None or r.recorded_at <= as_of
        )
    )
    return {"items": items, "files": files, "readings": readings}


def fingerprint_changes(stored: dict, current: dict) -> list[str]:
    """Plain-English differences between two fingerprints (empty when nothing changed)."""
    if not stored:
        return []
    changes = []
    old, new = stored.get("items", {}), current.get("items", {})
    added = len(set(new) - set(old))
    removed = len(set(old) - set(new))
    changed = sum(1 for key in set(old) & set(new) if old[key] != new[key])
    if added:
        changes.append(f"{added} evidence item{'s' if added != 1 else ''} added")
    if changed:
        changes.append(f"{changed} evidence item{'s' if changed != 1 else ''} changed or withdrawn")
    if removed:
        changes.append(f"{removed} evidence item{'s' if removed != 1 else ''} no longer present")
    if stored.get("readings") != current.get("readings"):
        changes.append("indicator readings changed")
    return changes
