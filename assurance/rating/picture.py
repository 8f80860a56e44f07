"""A location's rating picture as of any moment, under the framework it was assessed against
then.

Under a `scored` framework (SAF 2024): published ratings, the provider's own statement scores,
the computed key-question bands and the indicative overall. Under an `in_the_round` framework:
per key question the Registered Manager's self-judgement, the rating characteristics of that
rating and of the next rating up, and an indicative overall where the framework file names a
machine-usable aggregation rule. Both show the cases whose step 5 judgements say they may move
each key question, with what their evidence supports at the moment.

`build(location, as_of)` reads everything as recorded by `as_of` (default: now): the framework
assigned then, published ratings, scores and self-judgements recorded by then, the judgements
current then, and the cases' evidence as it stood then. A fixed number of queries whatever
the number of cases; the rules are the pure functions in domains/rating.py and
domains/crosswalk.py. It is a self-assessment aid, never a CQC rating.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.utils import timezone

from assurance.cases.models import CaseStatus, ImprovementCase, Indicator, Reading
from assurance.judgement import readiness
from assurance.judgement.figures import case_readiness
from assurance.judgement.models import ProportionalityJudgement
from assurance.organisations.frameworks import Assessed, frameworks_for, switches
from assurance.organisations.models import Team
from assurance.rating.models import PublishedRating, SelfJudgement, StatementScore
from domains import crosswalk, rating
from domains.models import Framework, KeyQuestion, Method, QualityStatement
from evidence.models import EvidenceItem, InfluenceLink

NO_AGGREGATION_RULE = "This framework gives no aggregation rule."
WITHDRAWING_SCORING = (
    "CQC is withdrawing scoring: it stopped scoring evidence categories in December 2024 and "
    "its draft framework judges key questions in the round. These scores follow the framework "
    "this location is still assessed against."
)
EARLIER_SHOWN = 20  # earlier self-judgements listed on the picture (the newest)


@dataclass
class Characteristic:
    """One item of a key question: its characteristics at the judged rating and one up."""

    item: QualityStatement
    at_rating: str
    next_up: str


@dataclass
class CaseMove:
    """A case whose current step 5 judgement says it may move a key question."""

    case: ImprovementCase
    judgement: ProportionalityJudgement
    supports: str  # the level its evidence supports at the moment, in words
    exceeds: bool  # the judgement goes beyond that
    key_questions: set = field(default_factory=set)  # slugs, carried across as they are
    items_by_kq: dict = field(default_factory=dict)  # {slug: [crosswalk.ReadAcross]}


@dataclass
class KeyQuestionRow:
    key_question: KeyQuestion
    published: PublishedRating | None
    statements: list = field(default_factory=list)  # (statement, latest score or None)
    result: rating.KeyQuestionResult | None = None
    cases: list = field(default_factory=list)  # (CaseMove, [crosswalk.ReadAcross])
    move_changes_overall: bool = False
    self_judgement: SelfJudgement | None = None
    next_rating: str | None = None
    characteristics: list = field(default_factory=list)  # Characteristic


@dataclass
class Picture:
    framework: Framework | None
    rows: list
    overall: rating.OverallResult | None
    published_overall: rating.OverallResult | None
    cases: list
    scored: int
    total_statements: int
    as_of: datetime | None = None
    assessed: Assessed | None = None
    aggregation_note: str = ""
    switches: list = field(default_factory=list)
    earlier_judgements: list = field(default_factory=list)

    @property
    def in_the_round(self) -> bool:
        return self.framework is not None and self.framework.method == Method.IN_THE_ROUND

    @property
    def judged(self) -> int:
        return sum(1 for row in self.rows if row.self_judgement)

    @property
    def withdrawing_scoring_note(self) -> str:
        return WITHDRAWING_SCORING


def build(location, as_of=None) -> Picture:
    """The rating picture of `location` as recorded by `as_of` (default: now)."""
    live = as_of is None
    as_of = as_of or timezone.now()
    day = timezone.localdate(as_of)
    assessed = frameworks_for([location], as_of)[location.id]
    framework = assessed.framework
    if framework is None:
        return Picture(None, [], None, None, [], 0, 0, as_of=as_of, assessed=assessed)
    key_questions = list(
        KeyQuestion.objects.filter(framework=framework).prefetch_related("quality_statements")
    )
    rows = [KeyQuestionRow(key_question=kq, published=None) for kq in key_questions]
    _published(location, rows, as_of, day)
    moves = _case_moves(location, framework, key_questions, as_of, live)
    for row in rows:
        row.cases = [
            (move, move.items_by_kq.get(row.key_question.slug, []))
            for move in moves
            if row.key_question.slug in move.key_questions
        ]
    picture = Picture(
        framework,
        rows,
        None,
        None,
        [move.case for move in moves],
        0,
        0,
        as_of=as_of,
        assessed=assessed,
        switches=switches(location, as_of),
    )
    if framework.method == Method.IN_THE_ROUND:
        _in_the_round(picture, location, as_of)
    else:
        _scored(picture, location, as_of, day)
        # Self-judgements recorded under an in-the-round framework before a switch back.
        picture.earlier_judgements = list(
            SelfJudgement.objects.filter(location=location, recorded_at__lte=as_of)
            .select_related("recorded_by", "key_question__framework")
            .newest_first()[:EARLIER_SHOWN]
        )
    published_labels = {
        row.key_question.slug: row.published.rating if row.published else None for row in rows
    }
    if set(published_labels) == set(rating.KEY_QUESTIONS) and all(
        label in rating.LABELS for label in published_labels.values()
    ):
        picture.published_overall = rating.overall_rating(published_labels)
    return picture


def _published(location, rows, as_of, day):
    """Published ratings are CQC's, whatever framework the provider assesses itself against:
    matched by key question, which is the same in every version."""
    newest = {}
    for row in (
        PublishedRating.objects.filter(
            location=location, recorded_at__lte=as_of, published_on__lte=day
        )
        .select_related("key_question")
        .order_by("-published_on", "-recorded_at", "-id")
    ):
        newest.setdefault(row.key_question.slug, row)
    for row in rows:
        row.published = newest.get(row.key_question.slug)


def _scored(picture, location, as_of, day):
    framework = picture.framework
    latest = {}
    for score in (
        StatementScore.objects.filter(
            location=location,
            quality_statement__key_question__framework=framework,
            recorded_at__lte=as_of,
            assessed_on__lte=day,
        )
        .select_related("recorded_by")
        .order_by("-assessed_on", "-recorded_at", "-id")
    ):
        latest.setdefault(score.quality_statement_id, score)
    bands = [
        rating.Band(b.rating, float(b.from_pct), float(b.to_pct))
        for b in framework.score_bands.all()
    ]
    for row in picture.rows:
        row.statements = [
            (qs, latest.get(qs.id)) for qs in row.key_question.quality_statements.all()
        ]
        if framework.has_scoring and bands:
            scores = [s.score for _, s in row.statements if s is not None]
            row.result = rating.key_question_result(scores, bands, statements=len(row.statements))
    rows = picture.rows
    if framework.has_scoring and len(rows) == len(rating.KEY_QUESTIONS):
        labels = {row.key_question.slug: row.result.label if row.result else None for row in rows}
        picture.overall = rating.overall_from_results(
            {row.key_question.slug: row.result for row in rows}, breach=location.regulation_breach
        )
        for row in rows:
            if row.cases and row.result and row.result.label:
                row.move_changes_overall = rating.would_change_overall(
                    labels, row.key_question.slug, breach=location.regulation_breach
                )
    picture.scored = sum(1 for row in rows for _, s in row.statements if s is not None)
    picture.total_statements = sum(len(row.statements) for row in rows)


def _in_the_round(picture, location, as_of):
    framework = picture.framework
    recorded = SelfJudgement.objects.filter(location=location, recorded_at__lte=as_of)
    newest = recorded.filter(key_question=OuterRef("key_question")).newest_first().values("id")
    current = {
        j.key_question_id: j
        for j in recorded.filter(key_question__framework=framework, id=Subquery(newest[:1]))
        .select_related("recorded_by", "key_question")
        .prefetch_related(
            Prefetch("evidence", queryset=EvidenceItem.objects.select_related("case")),
            "cases",
        )
    }
    picture.earlier_judgements = list(
        recorded.exclude(id__in=[j.pk for j in current.values()])
        .select_related("recorded_by", "key_question__framework")
        .newest_first()[:EARLIER_SHOWN]
    )
    labels = list(framework.rating_labels)
    for row in picture.rows:
        row.statements = [(qs, None) for qs in row.key_question.quality_statements.all()]
        judgement = row.self_judgement = current.get(row.key_question.id)
        if judgement is None:
            continue
        row.next_rating = _next_up(labels, judgement.rating)
        row.characteristics = [
            Characteristic(
                item=qs,
                at_rating=qs.characteristics.get(judgement.rating, ""),
                next_up=qs.characteristics.get(row.next_rating, "") if row.next_rating else "",
            )
            for qs, _ in row.statements
        ]
    picture.total_statements = sum(len(row.statements) for row in picture.rows)
    if framework.aggregation_rule and len(picture.rows) == len(rating.KEY_QUESTIONS):
        judged = {
            row.key_question.slug: row.self_judgement.rating if row.self_judgement else None
            for row in picture.rows
        }
        picture.overall = rating.overall_rating(judged, breach=location.regulation_breach)
    else:
        picture.aggregation_note = NO_AGGREGATION_RULE


def _next_up(labels, label) -> str | None:
    """The next better rating in the framework's own list (best first)."""
    if label not in labels:
        return None
    index = labels.index(label)
    return labels[index - 1] if index > 0 else None


def _active_then(cases, location, as_of):
    """The cases that were open or under review at `as_of`, by their history (one query). A
    case with no history row by then (loaded with a back-dated opening) counts as it is now,
    as past reports read it."""
    rows = list(
        ImprovementCase.history.filter(location_id=location.id, history_date__lte=as_of)
        .latest_of_each()
        .values_list("id", "status")
    )
    active = {CaseStatus.OPEN, CaseStatus.UNDER_REVIEW}
    return cases.filter(
        Q(id__in=[pk for pk, status in rows if status in active])
        | (~Q(id__in=[pk for pk, _ in rows]) & Q(status__in=active))
    )


def _case_moves(location, framework, key_questions, as_of, live) -> list:
    """Each case with a judgement current at `as_of` naming key questions, with what its
    evidence supports then and the framework items its domain touches, read across from the
    framework its links were made against: a fixed number of queries."""
    cases = ImprovementCase.objects.filter(location=location, opened_at__lte=as_of)
    cases = cases.active() if live else _active_then(cases, location, as_of)
    current_then = ProportionalityJudgement.objects.filter(recorded_at__lte=as_of).filter(
        Q(superseded_at__isnull=True) | Q(superseded_at__gt=as_of)
    )
    cases = list(
        cases.select_related("domain")
        .prefetch_related(
            Prefetch(
                "judgements",
                queryset=current_then.prefetch_related("key_questions"),
                to_attr="judgements_then",
            )
        )
        .order_by("opened_at", "id")
    )
    judged = [c for c in cases if c.judgements_then]
    if not judged:
        return []
    # Only the judged cases' evidence is read: what it supports is shown for them alone.
    prefetch_related_objects(
        judged,
        Prefetch(
            "domain__quality_statements",
            queryset=QualityStatement.objects.select_related("key_question__framework"),
        ),
        Prefetch("evidence", queryset=EvidenceItem.objects.all()),
        Prefetch(
            "indicators",
            queryset=Indicator.objects.prefetch_related(
                Prefetch("readings", queryset=Reading.objects.all())
            ),
        ),
        Prefetch("links", queryset=InfluenceLink.objects.prefetch_related("evidence")),
    )
    teams = list(Team.objects.filter(location_id=location.id))
    items = [
        (qs.code, qs.maps_from, kq.slug)
        for kq in key_questions
        for qs in kq.quality_statements.all()
    ]
    slugs = [kq.slug for kq in key_questions]
    moves = []
    for case in judged:
        case.location = location  # one provider, thresholds read once per case from memory
        judgement = case.judgements_then[0]
        ready = case_readiness(
            case,
            as_of=as_of,
            evidence=list(case.evidence.all()),
            indicators=list(case.indicators.all()),
            links=list(case.links.all()),
            teams=teams,
        )
        case.judgement = judgement
        moves.append(
            CaseMove(
                case=case,
                judgement=judgement,
                supports=ready.assessment.label,
                exceeds=readiness.exceeds(judgement.level, ready.assessment.level),
                key_questions=set(
                    crosswalk.key_questions_across(
                        [kq.slug for kq in judgement.key_questions.all()], slugs
                    )
                ),
                items_by_kq=_items_across(case.domain, framework, items),
            )
        )
    return moves


def _items_across(domain, framework, items) -> dict:
    """{key question slug: [ReadAcross]}: the domain's quality-statement links read across to
    `framework`'s items (links made against `framework` itself are kept as they are)."""
    by_source = {}
    for qs in domain.quality_statements.all():
        by_source.setdefault(qs.key_question.framework.slug, []).append(qs.code)
    found = []
    for source, codes in by_source.items():
        if source == framework.slug:
            found += [crosswalk.ReadAcross(code, ()) for code in codes]
        else:
            found += crosswalk.read_across(source, codes, [(c, m) for c, m, _ in items])
    kq_of = {code: kq for code, _, kq in items}
    by_kq = {}
    for entry in found:
        if entry.code in kq_of:
            by_kq.setdefault(kq_of[entry.code], []).append(entry)
    return by_kq


# --- In brief, for reports over many locations ----------------------------------------------


@dataclass
class Brief:
    """A location's rating picture in brief, as recorded by a moment: per key question the
    published rating and either the band its scores compute to (scored framework) or the
    Registered Manager's own judgement (in the round), and both overalls."""

    framework: Framework | None
    rows: list  # (key question, published rating or None, KeyQuestionResult | SelfJudgement | None)
    overall: rating.OverallResult | None
    published_overall: rating.OverallResult | None
    scored: int
    total_statements: int

    @property
    def in_the_round(self) -> bool:
        return self.framework is not None and self.framework.method == Method.IN_THE_ROUND

    @property
    def nothing_recorded(self) -> bool:
        """No published rating for any key question and none of the location's own: no
        quality statement scored (scored framework) or no judgement (in the round). A report
        says so in a sentence instead of a table of dashes."""
        if any(published for _, published, _ in self.rows):
            return False
        if self.in_the_round:
            return not any(judgement for _, _, judgement in self.rows)
        return self.scored == 0


def briefs(locations, as_of=None) -> dict:
    """{location id: Brief} as recorded by `as_of` (default: now), each location under the
    framework it was assessed against then. A fixed number of queries whatever the number of
    locations (about four, plus three per framework in use); `build` reads one in full."""
    locations = list(locations)
    as_of = as_of or timezone.now()
    day = timezone.localdate(as_of)
    if not locations:
        return {}
    assessed = frameworks_for(locations, as_of)
    frameworks = {a.framework.pk: a.framework for a in assessed.values() if a.framework}
    key_questions, bands = {}, {}
    for framework in frameworks.values():
        key_questions[framework.pk] = list(
            KeyQuestion.objects.filter(framework=framework).prefetch_related("quality_statements")
        )
        bands[framework.pk] = [
            rating.Band(b.rating, float(b.from_pct), float(b.to_pct))
            for b in framework.score_bands.all()
        ]
    published = {}
    for row in (
        PublishedRating.objects.filter(
            location__in=locations, recorded_at__lte=as_of, published_on__lte=day
        )
        .select_related("key_question")
        .order_by("-published_on", "-recorded_at", "-id")
    ):
        published.setdefault((row.location_id, row.key_question.slug), row)
    latest = {}
    for score in (
        StatementScore.objects.filter(
            location__in=locations,
            quality_statement__key_question__framework__in=list(frameworks),
            recorded_at__lte=as_of,
            assessed_on__lte=day,
        )
        .only("location_id", "quality_statement_id", "score")
        .order_by("-assessed_on", "-recorded_at", "-id")
    ):
        latest.setdefault((score.location_id, score.quality_statement_id), score)
    judged = {}
    for judgement in (
        SelfJudgement.objects.filter(
            location__in=locations,
            key_question__framework__in=list(frameworks),
            recorded_at__lte=as_of,
        )
        .only("location_id", "key_question_id", "rating", "rationale", "judged_on", "recorded_at")
        .newest_first()
    ):
        judged.setdefault((judgement.location_id, judgement.key_question_id), judgement)
    return {
        location.pk: _brief(
            location,
            assessed[location.pk].framework,
            key_questions,
            bands,
            published,
            latest,
            judged,
        )
        for location in locations
    }


def _brief(location, framework, key_questions, bands, published, latest, judged) -> Brief | None:
    if framework is None:
        return None
    rows, scored, total = [], 0, 0
    in_the_round = framework.method == Method.IN_THE_ROUND
    for kq in key_questions[framework.pk]:
        statements = kq.quality_statements.all()
        total += len(statements)
        pub = published.get((location.pk, kq.slug))
        if in_the_round:
            rows.append((kq, pub, judged.get((location.pk, kq.id))))
            continue
        scores = [
            latest[(location.pk, qs.id)].score
            for qs in statements
            if (location.pk, qs.id) in latest
        ]
        scored += len(scores)
        result = None
        if framework.has_scoring and bands[framework.pk]:
            result = rating.key_question_result(
                scores, bands[framework.pk], statements=len(statements)
            )
        rows.append((kq, pub, result))
    overall = published_overall = None
    complete = len(rows) == len(rating.KEY_QUESTIONS)
    if complete and not in_the_round and framework.has_scoring:
        overall = rating.overall_from_results(
            {kq.slug: result for kq, _, result in rows}, breach=location.regulation_breach
        )
    elif complete and in_the_round and framework.aggregation_rule:
        overall = rating.overall_rating(
            {kq.slug: j.rating if j else None for kq, _, j in rows},
            breach=location.regulation_breach,
        )
    labels = {kq.slug: p.rating if p else None for kq, p, _ in rows}
    if complete and all(label in rating.LABELS for label in labels.values()):
        published_overall = rating.overall_rating(labels)
    return Brief(framework, rows, overall, published_overall, scored, total)
