"""A location's rating picture: published ratings, the provider's own statement scores, the
computed key-question bands and the indicative overall, and which cases may move it.

Reads a fixed number of queries whatever the number of cases; the rules themselves are the
pure functions in domains/rating.py. It is a self-assessment aid, never a CQC rating.
"""

from dataclasses import dataclass, field

from assurance.cases.models import ImprovementCase
from assurance.judgement.models import ProportionalityJudgement, current_judgements
from assurance.rating.models import PublishedRating, StatementScore
from domains import rating
from domains.models import Framework, KeyQuestion


@dataclass
class KeyQuestionRow:
    key_question: KeyQuestion
    published: PublishedRating | None
    statements: list = field(default_factory=list)  # (statement, latest score or None)
    result: rating.KeyQuestionResult | None = None
    cases: list = field(default_factory=list)
    move_changes_overall: bool = False


@dataclass
class Picture:
    framework: Framework | None
    rows: list
    overall: rating.OverallResult | None
    published_overall: rating.OverallResult | None
    cases: list
    scored: int
    total_statements: int


def build(location) -> Picture:
    framework = Framework.objects.current()
    if framework is None:
        return Picture(None, [], None, None, [], 0, 0)
    key_questions = list(
        KeyQuestion.objects.filter(framework=framework).prefetch_related("quality_statements")
    )
    published = {}
    for row in PublishedRating.objects.filter(
        location=location, key_question__framework=framework
    ).order_by("-published_on", "-id"):
        published.setdefault(row.key_question_id, row)
    latest = {}
    for score in (
        StatementScore.objects.filter(
            location=location, quality_statement__key_question__framework=framework
        )
        .select_related("recorded_by")
        .order_by("-assessed_on", "-id")
    ):
        latest.setdefault(score.quality_statement_id, score)
    cases = list(
        ImprovementCase.objects.filter(location=location)
        .active()
        .select_related("domain")
        .prefetch_related(
            current_judgements(ProportionalityJudgement.objects.prefetch_related("key_questions"))
        )
    )
    bands = [
        rating.Band(b.rating, float(b.from_pct), float(b.to_pct))
        for b in framework.score_bands.all()
    ]
    rows = []
    for kq in key_questions:
        statements = [(qs, latest.get(qs.id)) for qs in kq.quality_statements.all()]
        row = KeyQuestionRow(key_question=kq, published=published.get(kq.id), statements=statements)
        if framework.has_scoring:
            scores = [s.score for _, s in statements if s is not None]
            row.result = (
                rating.key_question_result(scores, bands, statements=len(statements))
                if bands
                else None
            )
        rows.append(row)

    judged = [c for c in cases if c.current_judgements]
    for case in judged:
        case.judgement = case.current_judgements[0]
        case.kq_ids = {kq.id for kq in case.judgement.key_questions.all()}
    overall = published_overall = None
    if framework.has_scoring and len(rows) == len(rating.KEY_QUESTIONS):
        labels = {row.key_question.slug: row.result.label if row.result else None for row in rows}
        overall = rating.overall_from_results(
            {row.key_question.slug: row.result for row in rows}, breach=location.regulation_breach
        )
        for row in rows:
            row.cases = [c for c in judged if row.key_question.id in c.kq_ids]
            if row.result and row.result.label:
                row.move_changes_overall = rating.would_change_overall(
                    labels, row.key_question.slug, breach=location.regulation_breach
                )
        published_labels = {
            row.key_question.slug: row.published.rating if row.published else None for row in rows
        }
        if all(published_labels.values()):
            published_overall = rating.overall_rating(published_labels)
    scored = sum(1 for row in rows for _, s in row.statements if s is not None)
    total = sum(len(row.statements) for row in rows)
    return Picture(framework, rows, overall, published_overall, judged, scored, total)


@dataclass
class Brief:
    """A location's rating picture in brief, for reports over many locations: per key
    question the published rating and the band its scores compute to, and both overalls."""

    rows: list  # (key question, published rating or None, KeyQuestionResult or None)
    overall: rating.OverallResult | None
    published_overall: rating.OverallResult | None
    scored: int
    total_statements: int


def briefs(locations) -> dict:
    """Each location's rating picture in brief, by location id, in four queries whatever the
    number of locations (`build` reads one location in full)."""
    locations = list(locations)
    framework = Framework.objects.current()
    if framework is None or not locations:
        return {}
    key_questions = list(
        KeyQuestion.objects.filter(framework=framework).prefetch_related("quality_statements")
    )
    bands = [
        rating.Band(b.rating, float(b.from_pct), float(b.to_pct))
        for b in framework.score_bands.all()
    ]
    published, latest = {}, {}
    for row in PublishedRating.objects.filter(
        location__in=locations, key_question__framework=framework
    ).order_by("-published_on", "-id"):
        published.setdefault((row.location_id, row.key_question_id), row)
    for score in (
        StatementScore.objects.filter(
            location__in=locations, quality_statement__key_question__framework=framework
        )
        .only("location_id", "quality_statement_id", "score")
        .order_by("-assessed_on", "-id")
    ):
        latest.setdefault((score.location_id, score.quality_statement_id), score)
    out = {}
    for location in locations:
        rows, scored, total = [], 0, 0
        for kq in key_questions:
            scores = [
                latest[(location.pk, qs.id)].score
                for qs in kq.quality_statements.all()
                if (location.pk, qs.id) in latest
            ]
            statements = len(kq.quality_statements.all())
            scored, total = scored + len(scores), total + statements
            result = None
            if framework.has_scoring and bands:
                result = rating.key_question_result(scores, bands, statements=statements)
            rows.append((kq, published.get((location.pk, kq.id)), result))
        overall = published_overall = None
        if framework.has_scoring and len(rows) == len(rating.KEY_QUESTIONS):
            overall = rating.overall_from_results(
                {kq.slug: result for kq, _, result in rows}, breach=location.regulation_breach
            )
            labels = {kq.slug: p.rating if p else None for kq, p, _ in rows}
            if all(labels.values()):
                published_overall = rating.overall_rating(labels)
        out[location.pk] = Brief(rows, overall, published_overall, scored, total)
    return out
