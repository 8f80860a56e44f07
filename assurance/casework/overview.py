"""What the provider and location pages open with: counts that each link to the list they
summarise, small charts, and the trend over the last four quarters.

Every count is the size of the list it links to: the same scope functions and filters the
lists use (casework/lists.py, escalations/lists.py, reviews/lists.py). A past quarter's
figures are read from the history as it stood at the quarter's end (or now, for the quarter
under way), so they do not move when the record changes later. A fixed number of queries,
whatever the number of cases, judgements, reviews or escalations.

It lives with the case lists, not with the organisations it describes: it reads every room,
and organisations is the room every other one builds on.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from assurance.cases import charts
from assurance.cases.models import CaseStatus, ImprovementCase
from assurance.cases.workflow import ACTIVE_STATUSES
from assurance.casework import lists as case_lists
from assurance.common.words import quarter_words
from assurance.escalations import lists as escalation_lists
from assurance.escalations.models import ESCALATION_ACTIVE, Escalation
from assurance.judgement import readiness
from assurance.judgement.models import InfluenceLevel, ProportionalityJudgement
from assurance.reviews import lists as review_lists
from assurance.reviews.models import Review, ReviewKind, ReviewStatus

QUARTERS = 4
# How long an ended quarter's figures are kept once worked out. They cannot change while the
# history they were read from stays as it was, which the cache key checks on every read
# (`_history_marks`); the expiry only bounds the memory they take.
PAST_FIGURES_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    href: str  # the list showing exactly these rows
    alarm: bool = False  # worth a leader's attention when not zero

    @property
    def flagged(self) -> bool:
        return self.alarm and self.value > 0


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int
    cutoff: datetime  # the quarter's end, or now for the quarter under way
    ended: bool

    @property
    def words(self) -> str:
        return quarter_words(self.year, self.number)

    @property
    def short(self) -> str:
        return f"Q{self.number} {self.year}"


@dataclass(frozen=True)
class TrendRow:
    label: str
    values: tuple[int, ...]  # one per quarter, oldest first


@dataclass(frozen=True)
class Overview:
    scope_name: str
    cases_total: Figure
    by_status: tuple[Figure, ...]
    by_level: tuple[Figure, ...]
    attention: tuple[Figure, ...]  # above the evidence, stale, overdue reviews, escalations
    quarters: tuple[Quarter, ...]
    trend: tuple[TrendRow, ...]
    status_chart: charts.Bars
    level_chart: charts.Bars
    trend_chart: charts.Trend


def last_quarters(now: datetime, count: int = QUARTERS) -> tuple[Quarter, ...]:
    """The quarter under way and the `count - 1` before it, oldest first, each with its
    cut-off: the end of its last day (Europe/London), or now."""
    today = timezone.localdate(now)
    year, number = today.year, (today.month - 1) // 3 + 1
    quarters = []
    for _ in range(count):
        last_month = 3 * number
        end_day = (
            date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
        ).toordinal() - 1
        end = timezone.make_aware(datetime.combine(date.fromordinal(end_day), time.max))
        quarters.append(Quarter(year, number, min(now, end), ended=end <= now))
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
    return tuple(reversed(quarters))


def _link(url: str, **params) -> str:
    return f"{url}?{urlencode(params)}" if params else url


def _scope(user, provider, location):
    """The rows each list shows, and the lists' addresses."""
    if location is not None:
        return {
            "name": location.name,
            "identity": ["location", location.pk],
            "locations": [location],
            "cases": case_lists.location_cases(location),
            "escalations": escalation_lists.location_escalations(location),
            "reviews": review_lists.location_reviews(location),
            "history_escalations": Q(case__location=location),
            "history_reviews": Q(location=location, kind=ReviewKind.MONTHLY),
            "cases_url": reverse("casework:location_cases", args=[location.uuid]),
            "escalations_url": reverse("escalations:location_escalations", args=[location.uuid]),
            "reviews_url": reverse("reviews:location_reviews", args=[location.uuid]),
        }
    cases, locations = case_lists.provider_cases(user, provider)
    return {
        "name": provider.name,
        # The provider's own rows (provider-wide escalations, quarterly reviews) count too.
        "identity": ["provider", provider.pk, sorted(location.pk for location in locations)],
        "locations": locations,
        "cases": cases,
        "escalations": escalation_lists.provider_escalations(user, provider),
        "reviews": review_lists.provider_reviews(user, provider),
        "history_escalations": Q(case__location__in=locations)
        | Q(case__isnull=True, provider=provider),
        "history_reviews": Q(location__in=locations, kind=ReviewKind.MONTHLY)
        | Q(provider=provider, kind=ReviewKind.QUARTERLY),
        "cases_url": reverse("casework:provider_cases", args=[provider.slug]),
        "escalations_url": reverse("escalations:provider_escalations", args=[provider.slug]),
        "reviews_url": reverse("reviews:provider_reviews", args=[provider.slug]),
    }


def _now_figures(scope, today):
    """The counts of now: 6 queries."""
    cases, cases_url = scope["cases"], scope["cases_url"]
    per_status = cases.aggregate(
        total=Count("id"),
        **{value: Count("id", filter=Q(status=value)) for value in CaseStatus.values},
    )
    judgements = ProportionalityJudgement.objects.current().filter(case__in=cases)
    per_level = dict(
        judgements.order_by().values_list("level").annotate(n=Count("id")).values_list("level", "n")
    )
    above = judgements.exceeding().count()
    stale = judgements.evidence_changed(today).count()
    overdue_reviews = review_lists.filter_reviews(scope["reviews"], {"status": "overdue"})
    overdue_escalations = escalation_lists.filter_escalations(
        scope["escalations"], {"status": "overdue"}
    )
    total = Figure("Improvement cases", per_status["total"], cases_url)
    by_status = tuple(
        Figure(label, per_status[value], _link(cases_url, status=value))
        for value, label in CaseStatus.choices
    )
    by_level = tuple(
        Figure(label, per_level.get(value, 0), _link(cases_url, level=value))
        for value, label in InfluenceLevel.choices
    )
    attention = (
        Figure("Judgements above the evidence", above, _link(cases_url, overclaim=1), True),
        Figure("Evidence changed since the judgement", stale, _link(cases_url, stale=1), True),
        Figure(
            "Overdue reviews",
            overdue_reviews.rows.count(),
            _link(scope["reviews_url"], status="overdue"),
            True,
        ),
        Figure(
            "Overdue escalations",
            overdue_escalations.rows.count(),
            _link(scope["escalations_url"], status="overdue"),
            True,
        ),
    )
    return total, by_status, by_level, attention


def _then(quarter: Quarter, scope) -> dict:
    """The figures as the record stood at the quarter's cut-off: 4 counting queries. Each
    history query keeps, per row, its newest version by the cut-off and counts in the
    database only the versions that matter (open, overdue), never the whole history."""
    cutoff = quarter.cutoff
    day = timezone.localdate(cutoff)
    case_ids = ImprovementCase.objects.filter(location__in=scope["locations"]).values("id")
    open_cases = (
        ImprovementCase.history.as_of(cutoff)
        .filter(location__in=scope["locations"], status__in=ACTIVE_STATUSES)
        .count()
    )
    judgements = ProportionalityJudgement.history.as_of(cutoff).filter(
        case_id__in=case_ids, superseded_at__isnull=True
    )
    escalations = (
        Escalation.history.as_of(cutoff)
        .filter(scope["history_escalations"], status__in=ESCALATION_ACTIVE, due_on__lt=day)
        .count()
    )
    reviews = (
        Review.history.as_of(cutoff)
        .filter(scope["history_reviews"], status=ReviewStatus.DUE, due_on__lt=day)
        .count()
    )
    return {
        "open": open_cases,
        "above": sum(
            1
            for level, supportable in judgements.values_list("level", "supportable_level")
            if supportable and readiness.exceeds(level, supportable)
        ),
        "overdue_reviews": reviews,
        "overdue_escalations": escalations,
    }


# The history tables `_then` reads.
PAST_SOURCES = (ImprovementCase, ProportionalityJudgement, Escalation, Review)


def _history_marks(cutoff: datetime) -> list[int]:
    """How many rows of each history table `_then` reads were dated by `cutoff`: one query.
    History rows are appended, never changed, and dated when they are written, so while these
    counts stand still so does every figure `_then` works out for a cut-off up to `cutoff`
    (only rows inserted with an earlier date, as a bulk import would, move them)."""
    quote = connection.ops.quote_name
    tables = [quote(model.history.model._meta.db_table) for model in PAST_SOURCES]
    # Table names from the models' own meta, quoted; the cut-off is a parameter.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {t} WHERE history_date <= %s)" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}", [cutoff] * len(tables))
        return list(cursor.fetchone())


def _past_figures(quarters, scope) -> dict:
    """`_then` for each quarter that has ended, by quarter: read from the cache while the
    history they come from is unchanged (one query to check), worked out otherwise."""
    if not quarters:
        return {}
    key = json.dumps(
        {
            "scope": scope["identity"],
            "cutoffs": [q.cutoff.isoformat() for q in quarters],
            "history": _history_marks(max(q.cutoff for q in quarters)),
        },
        sort_keys=True,
    )
    key = "overview-past:" + hashlib.sha256(key.encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = [_then(q, scope) for q in quarters]
        cache.set(key, figures, PAST_FIGURES_SECONDS)
    return dict(zip(quarters, figures, strict=True))


def _now_trend(by_status, attention) -> dict:
    """The quarter under way as it stands now: the counts already worked out for the page,
    from the live tables (no history to read)."""
    statuses = [value for value, _ in CaseStatus.choices]
    return {
        "open": sum(
            f.value
            for f, value in zip(by_status, statuses, strict=True)
            if value in ACTIVE_STATUSES
        ),
        "above": attention[0].value,
        "overdue_reviews": attention[2].value,
        "overdue_escalations": attention[3].value,
    }


TREND_LINES = (
    ("open", "Open cases"),
    ("above", "Judgements above the evidence"),
    ("overdue_reviews", "Overdue reviews"),
    ("overdue_escalations", "Overdue escalations"),
)


def overview(user, *, provider, location=None, now=None) -> Overview:
    """The overview of `location`, or of the provider's locations the user can see."""
    live = now is None  # the quarter under way is read from the live tables, not the history
    now = now or timezone.now()
    scope = _scope(user, provider, location)
    total, by_status, by_level, attention = _now_figures(scope, timezone.localdate(now))
    quarters = last_quarters(now)
    past = _past_figures([q for q in quarters if q.ended], scope)
    then = [
        past[q] if q.ended else _now_trend(by_status, attention) if live else _then(q, scope)
        for q in quarters
    ]
    trend = tuple(
        TrendRow(label, tuple(figures[key] for figures in then)) for key, label in TREND_LINES
    )
    return Overview(
        scope_name=scope["name"],
        cases_total=total,
        by_status=by_status,
        by_level=by_level,
        attention=attention,
        quarters=quarters,
        trend=trend,
        status_chart=charts.count_bars(
            [(f.label, f.value, f.href) for f in by_status], title="Cases by status"
        ),
        level_chart=charts.count_bars(
            [(f.label, f.value, f.href) for f in by_level],
            title="Cases by level of the current judgement",
        ),
        trend_chart=charts.trend_chart(
            [q.short for q in quarters],
            [(row.label, row.values) for row in trend],
            title="At the end of each of the last four quarters",
        ),
    )
