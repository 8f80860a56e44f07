"""Demo data for the judgement aid, escalations, rating pictures and reports.

Adds to the worked cases in demo.py: a medicines case whose judgement exceeds the evidence
(with its written justification), an owner on the open escalation and one overdue
escalation, published ratings and self-assessment scores for each demo location, and case
dates set back to when the work began so both this and last quarter's reports have a story.
Idempotent like the rest of the seed.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from assurance.cases.models import ImprovementCase, StepRecord
from assurance.escalations.models import Escalation, EscalationStatus
from assurance.escalations.services import escalation_raise, escalation_update
from assurance.judgement import readiness
from assurance.judgement.figures import case_readiness
from assurance.judgement.models import InfluenceLevel, ProportionalityJudgement
from assurance.judgement.services import judgement_confirm, judgement_record
from assurance.organisations.access import roles_at_location
from assurance.rating.models import PublishedRating, StatementScore
from domains.models import Framework, KeyQuestion
from evidence.models import ActionKind, Consistency, EvidenceItem, Shift, Source, Stance

MEDICINES_TITLE = "Medicines rounds and MAR accuracy at Oakfield House"

# Self-assessment scores per key question (in statement order) and published ratings.
PICTURES = {
    "Oakfield House": {
        "published": {
            "safe": "Requires improvement",
            "effective": "Good",
            "caring": "Good",
            "responsive": "Good",
            "well_led": "Requires improvement",
        },
        "scores": {
            "safe": [3, 3, 3, 2, 3, 2, 3, 3],
            "effective": [3, 3, 3, 3, 2, 3],
            "caring": [3, 4, 3, 3, 3],
            "responsive": [3, 3, 3, 3, 3, 3, 3],
            "well_led": [2, 3, 3, 3, 2, 3, 2, 3],
        },
    },
    "Oakfield Home Care": {
        "published": {
            "safe": "Good",
            "effective": "Good",
            "caring": "Good",
            "responsive": "Good",
            "well_led": "Good",
        },
        "scores": {
            "safe": [3, 3, 3, 3, 3, 2, 3, 2],
            "effective": [3, 3, 3, 3, 3, 3],
            "caring": [4, 3, 3, 3, 3],
            "responsive": [3, 3, 3, 3, 3, 3, 3],
            "well_led": [3, 3, 3, 3, 3, 3, 3, 3],
        },
    },
}
RATIONALES = {
    4: "Strong, consistent evidence across teams and from people using the service.",
    3: "Evidence of good practice in audits, observation and feedback.",
    2: "Some shortfalls still seen in checks; actions are under way.",
    1: "Significant shortfalls found; immediate action plan in place.",
}


def seed_picture(demo, *, house, homecare, today):
    """`demo` is the _Demo builder from demo.py (it acts as each user through services)."""
    medicines_case(demo, house)
    _escalations(demo, house, today)
    for location in (house, homecare):
        _rating_picture(demo, location, today)
    _earlier_evidence(demo, house)
    _backdate_cases(house.provider)


def medicines_case(demo, house):

    case = demo.open_case(
        "quality.lead",
        house,
        "medicines",
        title=MEDICINES_TITLE,
        baseline_issue=(
            "Morning medicines rounds regularly ran past 11am and MAR charts had gaps at "
            "weekends. Two time-critical Parkinson's doses were given late in one month."
        ),
        improvement_began=demo.ago(130),
        wider_areas=["Time-critical medicines", "Care records", "Staff confidence at rounds"],
    )
    if case is None:
        return
    teams = demo.teams(house)
    rowan, willow = teams["Rowan unit"], teams["Willow unit"]
    demo.indicator(
        "quality.lead",
        case,
        name="MAR charts with no gaps",
        unit="%",
        side="leadership",
        higher_is_better=True,
        baseline=71,
        target=95,
        readings=[
            (120, 71, None, ""),
            (90, 82, None, ""),
            (60, 90, None, ""),
            (30, 96, None, ""),
            (5, 97, None, ""),
        ],
    )
    demo.indicator(
        "quality.lead",
        case,
        name="Time-critical doses given on time",
        unit="%",
        side="frontline",
        higher_is_better=True,
        baseline=80,
        target=98,
        readings=[
            (110, 80, rowan, ""),
            (70, 86, rowan, ""),
            (40, 90, rowan, ""),
            (10, 93, rowan, ""),
            (10, 88, willow, ""),
        ],
    )
    audit = demo.evidence(
        "quality.lead",
        case,
        step=1,
        source=Source.AUDITS,
        category="Processes",
        days=20,
        team=None,
        stance=Stance.SUPPORTS,
        summary="Monthly MAR audit: 2 gaps in 640 administrations, both on one weekend.",
    )
    demo.step(
        "quality.lead",
        case,
        1,
        {
            "what_improved": "MAR completeness from 71% to 97%, rounds finishing before 10:30.",
            "how_measured": "Monthly MAR audits and the round start and finish log.",
            "evidence_reviewed": "Four monthly MAR audits and the round timing log.",
            "areas_with_effect": ["Time-critical medicines", "Care records"],
        },
        complete=True,
    )
    demo.link(
        "registered.manager",
        case,
        "Care records",
        note="MAR completeness is the care record for medicines.",
        evidence=[audit],
    )
    demo.link(
        "registered.manager",
        case,
        "Time-critical medicines",
        note="Expected to follow from earlier rounds; not yet shown.",
    )
    demo.step(
        "registered.manager",
        case,
        2,
        {
            "earlier_weakness": "Rounds overran and weekend MAR gaps were routine.",
            "current_practice": "Rounds are split by unit and the weekend gaps have almost gone.",
        },
        complete=True,
    )
    demo.check(
        "deputy.manager",
        case,
        rowan,
        shift=Shift.EARLY,
        outcome=Consistency.CONSISTENT,
        days=12,
        sampled="Observed the Rowan morning round: 14 residents, all signed at the time.",
    )
    demo.check(
        "deputy.manager",
        case,
        willow,
        shift=Shift.WEEKEND,
        outcome=Consistency.PARTLY,
        days=9,
        sampled="Weekend round on Willow: one time-critical dose given 50 minutes late.",
    )
    demo.step(
        "deputy.manager",
        case,
        3,
        {
            "summary": "Rowan consistent; Willow weekends still slip on time-critical doses.",
        },
        complete=True,
    )
    demo.action(
        "team.leader",
        case,
        willow,
        kind=ActionKind.COACHING,
        days=7,
        description="Coached weekend staff on the time-critical list at handover.",
    )
    demo.step(
        "team.leader",
        case,
        4,
        {
            "summary": "Weekend coaching on Willow; spot checks booked for the next month.",
        },
        complete=True,
    )
    supportable = case_readiness(case, today=demo.today).assessment.level
    level = InfluenceLevel.SIGNIFICANT
    if not readiness.exceeds(level, supportable):
        return  # the demo only shows an overclaim when the evidence really falls short
    judgement_record(
        actor=demo.users["registered.manager"],
        actor_roles=demo.roles("registered.manager", house),
        case=case,
        version=StepRecord.objects.get(case=case, number=5).version,
        level=level,
        key_questions=case.domain.key_questions.filter(slug="safe"),
        not_yet="Responsive and Well-led: the change is still confined to medicines.",
        rationale="MAR completeness is at target and rounds finish on time across the house.",
        escalate=False,
        overclaim_justification=(
            "The figures miss the pharmacy's own October audit, which found no errors on any "
            "unit, because it arrived as a letter we have not yet scanned. We judge the effect "
            "significant for Safe and will re-record if November's audit does not bear it out."
        ),
        summary="Medicines safety has improved markedly; weekends on Willow still need work.",
    )


def _escalations(demo, house, today):

    governance = Escalation.objects.filter(
        case__location=house, trigger="judgement", owner__isnull=True
    ).first()
    if governance is not None:
        manager = demo.users["registered.manager"]
        escalation_update(
            actor=manager,
            actor_roles=roles_at_location(manager, house),
            escalation=governance,
            version=governance.version,
            owner=demo.users["team.leader"],
            status=EscalationStatus.IN_PROGRESS,
            note="The team leader observes nights on Rowan and Willow and reports back.",
        )
    records = ImprovementCase.objects.filter(location=house, domain__slug="record-quality").first()
    if records is not None and not Escalation.objects.filter(case=records).exists():
        escalation_raise(
            actor=demo.users["registered.manager"],
            case=records,
            trigger="manual",
            action="Live practice review",
            detail="Handover notes on the night team still differ from the care plans.",
            due_on=today - timedelta(days=10),
            owner=demo.users["deputy.manager"],
        )


def _rating_picture(demo, location, today):

    picture = PICTURES.get(location.name)
    if picture is None or location.statement_scores.exists():
        return
    framework = Framework.objects.current()
    rm = demo.users["registered.manager"]
    for kq in KeyQuestion.objects.filter(framework=framework).prefetch_related(
        "quality_statements"
    ):
        PublishedRating.objects.create(
            location=location,
            key_question=kq,
            rating=picture["published"][kq.slug],
            published_on=today - timedelta(days=400),
            recorded_by=rm,
        )
        for statement, score in zip(
            kq.quality_statements.all(), picture["scores"][kq.slug], strict=True
        ):
            StatementScore.objects.create(
                location=location,
                quality_statement=statement,
                score=score,
                assessed_on=today - timedelta(days=14),
                rationale=RATIONALES[score],
                recorded_by=rm,
            )


EARLIER_EVIDENCE = {
    # case domain -> (user, source, category, days ago, team, supports, summary)
    "governance": [
        (
            "quality.lead",
            "audits",
            "Processes",
            105,
            None,
            True,
            "July governance audit: action tracker in place; 31 of 48 actions now have owners.",
        ),
        (
            "registered.manager",
            "care_records",
            "Processes",
            80,
            "Rowan unit",
            True,
            "Rowan escalation sheets for August: every concern logged with a time and outcome.",
        ),
        (
            "registered.manager",
            "feedback",
            "People's experience",
            72,
            "Willow unit",
            True,
            "Relatives' meeting: two families said the nurse in charge now rings back that day.",
        ),
        (
            "quality.lead",
            "staff_practice",
            "Observation",
            95,
            "Night team",
            False,
            "Night walkabout: the new escalation sheet was not in use on the night team.",
        ),
    ],
    "record-quality": [
        (
            "quality.lead",
            "audits",
            "Processes",
            98,
            None,
            True,
            "Care plan audit: 34 of 40 plans reviewed on time, up from 22 in the spring.",
        ),
        (
            "quality.lead",
            "care_records",
            "Processes",
            76,
            "Beech unit",
            False,
            "Beech daily notes for two residents repeated the same text for a week.",
        ),
    ],
    "medicines": [
        (
            "quality.lead",
            "audits",
            "Processes",
            110,
            None,
            True,
            "Pharmacy visit: MAR charts complete on Rowan; weekend gaps remain on Willow.",
        ),
    ],
}


def _earlier_evidence(demo, house):
    """Evidence from last quarter, so that quarter's report has a story of its own."""

    for case in ImprovementCase.objects.filter(location=house).select_related("domain"):
        rows = EARLIER_EVIDENCE.get(case.domain.slug, [])
        if not rows or case.evidence.filter(summary=rows[0][6]).exists():
            continue
        teams = demo.teams(house)
        for user, source, category, days, team, supports, summary in rows:
            demo.evidence(
                user,
                case,
                step=1,
                source=source,
                category=category,
                days=days,
                team=teams.get(team),
                stance="supports" if supports else "contradicts",
                summary=summary,
            )
        judgement = ProportionalityJudgement.objects.current().filter(case=case).first()
        if judgement is not None:
            # The manager has looked at the older items and the judgement stands.
            judgement_confirm(
                actor=demo.users["registered.manager"],
                actor_roles=demo.roles("registered.manager", house),
                judgement=judgement,
            )


def _backdate_cases(provider):
    """Cases and their evidence are dated from when the work and the evidence happened
    (the seed records everything "now"), so last quarter's report already has a story."""

    def at_nine(day):
        return timezone.make_aware(datetime.combine(day, time(9)))

    for case in ImprovementCase.objects.filter(location__provider=provider):
        if case.opened_at > at_nine(case.improvement_began):
            ImprovementCase.objects.filter(pk=case.pk).update(
                opened_at=at_nine(case.improvement_began)
            )
    for item in EvidenceItem.objects.filter(case__location__provider=provider):
        if item.created_at > at_nine(item.occurred_on):
            EvidenceItem.objects.filter(pk=item.pk).update(created_at=at_nine(item.occurred_on))
