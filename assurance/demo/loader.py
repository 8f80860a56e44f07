"""Demo data: a provider with two locations, a user per role and an outsider elsewhere,
and three worked improvement cases at different stages.

Every write is keyed on a natural key, so running it twice changes nothing. The cases are
built only through the service functions, so the workflow rules and history apply; a case
that already exists (same location and title) is left alone.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from assurance.cases.models import ImprovementCase, Side, StepRecord
from assurance.cases.services import case_open, indicator_add, reading_add, step_save
from assurance.demo.picture import seed_picture
from assurance.judgement import readiness
from assurance.judgement.figures import case_readiness
from assurance.judgement.models import InfluenceLevel
from assurance.judgement.services import judgement_record
from assurance.organisations.access import roles_at_location
from assurance.organisations.models import Location, Membership, Provider, ServiceType, Team
from assurance.reviews import cadence as reviews
from assurance.reviews.models import Review, ReviewKind, ReviewOutcome, ReviewStatus
from assurance.reviews.services import cadence
from domains.models import Domain, EvidenceCategory, Framework
from domains.roles import Role
from evidence.models import ActionKind, Consistency, LinkStatus, Shift, Source, Stance
from evidence.services import embedding_action_add, evidence_add, link_save, practice_check_add

DEMO_PASSWORD = "care-demo-2026"  # noqa: S105 - demo accounts only; printed and in the README

User = get_user_model()


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)

    def note(self, obj, created):
        if created:
            self.created.append(f"{type(obj).__name__}: {obj}")


def _user(result, username, first, last):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    result.note(user, created)
    return user


def _member(result, user, provider, location, role, **extra):
    membership, created = Membership.objects.get_or_create(
        user=user,
        provider=provider,
        location=location,
        role=role,
        ended_at=None,
        defaults=extra,
    )
    result.note(membership, created)
    return membership


@transaction.atomic
def seed(today=None) -> DemoResult:
    today = today or timezone.localdate()
    result = DemoResult()
    provider, created = Provider.objects.get_or_create(
        slug="oakfield-care", defaults={"name": "Oakfield Care Group"}
    )
    result.note(provider, created)
    house, created = Location.objects.get_or_create(
        cqc_location_id="1-1000000001",
        defaults={
            "provider": provider,
            "name": "Oakfield House",
            "service_type": ServiceType.NURSING_HOME,
            "address": "12 Orchard Lane\nLeeds\nLS6 2AB",
        },
    )
    result.note(house, created)
    homecare, created = Location.objects.get_or_create(
        cqc_location_id="1-1000000002",
        defaults={
            "provider": provider,
            "name": "Oakfield Home Care",
            "service_type": ServiceType.HOMECARE,
            "address": "Unit 4, Mill Yard\nLeeds\nLS11 5QT",
        },
    )
    result.note(homecare, created)
    teams = {
        house: [
            ("Rowan unit", "unit"),
            ("Willow unit", "unit"),
            ("Beech unit", "unit"),
            ("Night team", "shift"),
        ],
        homecare: [("North round", "team"), ("South round", "team"), ("Weekend team", "shift")],
    }
    for location, rows in teams.items():
        for name, kind in rows:
            team, created = Team.objects.get_or_create(
                location=location, name=name, archived_at=None, defaults={"kind": kind}
            )
            result.note(team, created)

    people = {
        "quality.lead": ("Priya", "Shah"),
        "registered.manager": ("Marcus", "Bell"),
        "deputy.manager": ("Dana", "Okafor"),
        "team.leader": ("Tom", "Reilly"),
        "operations.manager": ("Olivia", "Grant"),
        "senior.leader": ("Sam", "Hughes"),
        "viewer": ("Vera", "Lindqvist"),
        "homecare.manager": ("Hannah", "Price"),
    }
    users = {name: _user(result, name, *full) for name, full in people.items()}
    for location in (house, homecare):
        _member(result, users["quality.lead"], provider, location, Role.QUALITY_LEAD)
        _member(result, users["operations.manager"], provider, location, Role.OPERATIONS_MANAGER)
    _member(result, users["registered.manager"], provider, house, Role.REGISTERED_MANAGER)
    _member(result, users["deputy.manager"], provider, house, Role.DEPUTY_MANAGER)
    _member(result, users["team.leader"], provider, house, Role.TEAM_LEADER)
    _member(result, users["homecare.manager"], provider, homecare, Role.REGISTERED_MANAGER)
    _member(result, users["senior.leader"], provider, None, Role.SENIOR_LEADER)
    _member(
        result,
        users["viewer"],
        provider,
        None,
        Role.VIEWER,
        expires_on=today + timedelta(days=365),
    )

    other, created = Provider.objects.get_or_create(
        slug="northgate-living", defaults={"name": "Northgate Living"}
    )
    result.note(other, created)
    court, created = Location.objects.get_or_create(
        cqc_location_id="1-2000000001",
        defaults={
            "provider": other,
            "name": "Northgate Court",
            "service_type": ServiceType.SUPPORTED_LIVING,
            "address": "3 Station Road\nYork\nYO1 7AA",
        },
    )
    result.note(court, created)
    team, created = Team.objects.get_or_create(
        location=court, name="Flat cluster A", archived_at=None, defaults={"kind": "team"}
    )
    result.note(team, created)
    outsider = _user(result, "outsider", "Olu", "Adeyemi")
    _member(result, outsider, other, court, Role.REGISTERED_MANAGER)

    demo = _Demo(result=result, today=today, users=users)
    demo.governance_case(house)
    demo.record_quality_case(house)
    demo.workforce_case(homecare)
    seed_picture(demo, house=house, homecare=homecare, today=today)
    seed_reviews(result, today=today, users=users)
    return result


# --- Worked improvement cases ------------------------------------------------------------

GOVERNANCE_TITLE = "Audit follow-up and escalation reaching the units at Oakfield House"
RECORD_QUALITY_TITLE = "Care plans and daily notes that staff use at handover"
WORKFORCE_TITLE = "Medicines and escalation competence across the home care rounds"


def _csv(name, rows):
    """A small CSV evidence file built in code."""
    text = "\n".join(",".join(str(cell) for cell in row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _txt(name, lines):
    text = "\n".join(lines) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


@dataclass
class _Demo:
    """Builds the worked cases through the services, acting as each demo user in turn."""

    result: DemoResult
    today: object
    users: dict

    # -- helpers ---------------------------------------------------------------------

    def ago(self, days):
        return self.today - timedelta(days=days)

    def roles(self, username, location):

        return roles_at_location(self.users[username], location)

    def category(self, name):

        framework = Framework.objects.current()
        return EvidenceCategory.objects.get(framework=framework, name=name)

    def teams(self, location):
        return {t.name: t for t in Team.objects.active().filter(location=location)}

    def open_case(self, username, location, domain_slug, **fields):
        """The case, or None when it already exists (so a second seed changes nothing)."""

        if ImprovementCase.objects.filter(location=location, title=fields["title"]).exists():
            return None
        case = case_open(
            actor=self.users[username],
            actor_roles=self.roles(username, location),
            location=location,
            domain=Domain.objects.get(slug=domain_slug),
            **fields,
        )
        self.result.note(case, True)
        return case

    def indicator(self, username, case, *, readings, **fields):
        """An indicator and its readings: (days ago, value, team or None, note)."""

        roles = self.roles(username, case.location)
        indicator = indicator_add(
            actor=self.users[username],
            actor_roles=roles,
            case=case,
            baseline=Decimal(str(fields.pop("baseline"))),
            target=Decimal(str(fields.pop("target"))),
            **fields,
        )
        for days, value, team, note in readings:
            reading_add(
                actor=self.users[username],
                actor_roles=roles,
                indicator=indicator,
                taken_on=self.ago(days),
                value=Decimal(str(value)),
                team=team,
                note=note,
            )
        return indicator

    def evidence(self, username, case, *, step, source, category, days, summary, **extra):

        return evidence_add(
            actor=self.users[username],
            actor_roles=self.roles(username, case.location),
            case=case,
            step_number=step,
            source=source,
            category=self.category(category),
            occurred_on=self.ago(days),
            summary=summary,
            **extra,
        )

    def link(self, username, case, area, *, note, evidence=()):

        return link_save(
            actor=self.users[username],
            actor_roles=self.roles(username, case.location),
            case=case,
            area=area,
            status=LinkStatus.EVIDENCED if evidence else LinkStatus.ASSUMED,
            note=note,
            evidence=evidence,
        )

    def check(self, username, case, team, *, shift, outcome, days, sampled):

        return practice_check_add(
            actor=self.users[username],
            actor_roles=self.roles(username, case.location),
            case=case,
            team=team,
            shift=shift,
            sampled=sampled,
            outcome=outcome,
            occurred_on=self.ago(days),
            category=self.category("Observation"),
        )

    def action(self, username, case, team, *, kind, days, description, completed=True):

        return embedding_action_add(
            actor=self.users[username],
            actor_roles=self.roles(username, case.location),
            case=case,
            kind=kind,
            description=description,
            team=team,
            action_date=self.ago(days),
            completed=completed,
        )

    def step(self, username, case, number, data, *, complete):
        """Save a step, reading its version fresh so the save is never stale."""

        step_save(
            actor=self.users[username],
            actor_roles=self.roles(username, case.location),
            case=case,
            number=number,
            data=data,
            version=StepRecord.objects.get(case=case, number=number).version,
            complete=complete,
        )
        case.refresh_from_db()

    # -- 1. Governance oversight: all five steps, judged at step 5 ------------------------

    def governance_case(self, house):

        case = self.open_case(
            "quality.lead",
            house,
            "governance",
            title=GOVERNANCE_TITLE,
            baseline_issue=(
                "Monthly audits were done, but actions drifted. When this work began 23 of 48 "
                "open audit actions were past their due date, and the same gaps in MAR chart "
                "signatures and post-fall observations came back audit after audit. Concerns "
                "raised at night often reached the manager only at the morning handover."
            ),
            improvement_began=self.ago(240),
            wider_areas=[
                "Risk escalation",
                "Care records",
                "Responsiveness to concerns",
                "Staffing deployment",
                "Frontline practice consistency",
            ],
        )
        if case is None:
            return
        teams = self.teams(house)
        rowan, willow, beech, night = (
            teams["Rowan unit"],
            teams["Willow unit"],
            teams["Beech unit"],
            teams["Night team"],
        )
        months = (210, 180, 150, 120, 90, 60, 30, 5)

        # Indicators: two on the leadership side, one measured on the floor by team.
        self.indicator(
            "quality.lead",
            case,
            name="Audit actions closed by their due date",
            unit="%",
            higher_is_better=True,
            baseline=52,
            target=90,
            side=Side.LEADERSHIP,
            readings=[
                (d, v, None, "From the action tracker")
                for d, v in zip(months, (52, 58, 67, 78, 86, 91, 93, 94), strict=True)
            ],
        )
        self.indicator(
            "quality.lead",
            case,
            name="Concerns escalated to the nurse in charge within 24 hours",
            unit="%",
            higher_is_better=True,
            baseline=60,
            target=90,
            side=Side.LEADERSHIP,
            readings=[
                (d, v, None, "From the shift escalation sheets")
                for d, v in zip(months, (60, 63, 70, 79, 85, 90, 92, 91), strict=True)
            ],
        )
        per_team = {
            rowan: (40, 48, 57, 66, 73, 78, 82),
            willow: (38, 45, 52, 60, 68, 72, 76),
            beech: (35, 38, 44, 50, 55, 60, 64),
            night: (30, 31, 35, 38, 42, 45, 48),
        }
        self.indicator(
            "registered.manager",
            case,
            name="Closed actions still in place when rechecked on the floor",
            unit="%",
            higher_is_better=True,
            baseline=36,
            target=80,
            side=Side.FRONTLINE,
            readings=[
                (d, values[i], team, "Deputy manager's monthly recheck sample")
                for i, d in enumerate(months[1:])
                for team, values in per_team.items()
            ],
        )

        # Step 1 (Quality Lead): governance impact file.
        tracker = self.evidence(
            "quality.lead",
            case,
            step=1,
            source=Source.AUDITS,
            category="Processes",
            days=40,
            summary=(
                "Action tracker review for the quarter: 41 of 45 actions closed on time, each "
                "with a recheck date. Night team and Beech hold most of the late ones."
            ),
            files=[
                _csv(
                    "action-tracker-quarter-summary.csv",
                    [
                        ("team", "actions_due", "closed_on_time", "rechecked_and_held"),
                        ("Rowan unit", 12, 12, 12),
                        ("Willow unit", 11, 11, 10),
                        ("Beech unit", 13, 11, 8),
                        ("Night team", 9, 7, 4),
                    ],
                )
            ],
        )
        meds_audit = self.evidence(
            "quality.lead",
            case,
            step=1,
            source=Source.AUDITS,
            category="Processes",
            days=26,
            summary=(
                "Monthly medicines audit: missing MAR chart signatures down from 14 to 3. "
                "No repeat finding on Rowan or Willow for the second month running."
            ),
            files=[
                _txt(
                    "medicines-audit-notes.txt",
                    [
                        "Medicines audit - Oakfield House",
                        f"Audit date: {self.ago(26):%d/%m/%Y}",
                        "MAR charts checked: 38",
                        "Missing signatures: 3 (Beech 2, night round 1)",
                        "Repeat findings from last audit: none on Rowan or Willow",
                        "Action: Beech lead to recheck lunchtime round for two weeks",
                    ],
                )
            ],
        )
        self.step(
            "quality.lead",
            case,
            1,
            {
                "what_improved": (
                    "Every audit action now sits on one tracker with a named owner, a due "
                    "date and a recheck date. Overdue actions go to the unit lead within a "
                    "week instead of rolling over to the next meeting. Concerns that need "
                    "escalating follow one route to the nurse in charge, written on the shift "
                    "escalation sheet."
                ),
                "how_measured": (
                    "Actions closed by their due date (tracker), concerns escalated within 24 "
                    "hours (escalation sheets) and the deputy manager's monthly recheck of "
                    "closed actions on each unit and on nights."
                ),
                "evidence_reviewed": (
                    "Eight months of tracker exports, governance meeting minutes, the "
                    "medicines and falls audits, escalation sheets from all four teams and "
                    "notes from the last relatives' meeting."
                ),
                "areas_with_effect": [
                    "Risk escalation",
                    "Care records",
                    "Responsiveness to concerns",
                ],
            },
            complete=True,
        )

        # Step 2 (Registered Manager): service influence note, with evidenced and assumed links.
        rowan_sheets = self.evidence(
            "registered.manager",
            case,
            step=2,
            source=Source.CARE_RECORDS,
            category="Processes",
            days=30,
            team=rowan,
            summary=(
                "Rowan escalation sheets: all six concerns last month reached the nurse in "
                "charge on the same shift, with the outcome written in the care notes."
            ),
        )
        willow_falls = self.evidence(
            "registered.manager",
            case,
            step=2,
            source=Source.CARE_RECORDS,
            category="Processes",
            days=22,
            team=willow,
            summary=(
                "Two falls on Willow: post-fall observations done at every interval, GP "
                "informed and the falls plan updated within 24 hours."
            ),
        )
        relatives = self.evidence(
            "registered.manager",
            case,
            step=2,
            source=Source.FEEDBACK,
            category="People's experience",
            days=45,
            team=willow,
            summary=(
                "Relatives' meeting: two families said they now hear about falls and GP "
                "visits the same day, not at the next visit."
            ),
        )
        beech_daughter = self.evidence(
            "registered.manager",
            case,
            step=2,
            source=Source.FEEDBACK,
            category="People's experience",
            days=18,
            team=beech,
            summary=(
                "Daughter of a Beech resident said her concern about drinks being left out of "
                "reach was acted on within the week and she was rung back."
            ),
        )
        self.evidence(
            "registered.manager",
            case,
            step=2,
            source=Source.CARE_RECORDS,
            category="Processes",
            days=12,
            team=night,
            stance=Stance.CONTRADICTS,
            summary=(
                "Night handover notes for one week: three residents with raised NEWS2 scores "
                "were passed on by word of mouth only. None was written on the escalation sheet."
            ),
        )
        self.evidence(
            "registered.manager",
            case,
            step=2,
            source=Source.FEEDBACK,
            category="Feedback from staff and leaders",
            days=25,
            team=night,
            stance=Stance.CONTRADICTS,
            summary=(
                "At the night team meeting staff said they were unsure the escalation sheet "
                "applied when the nurse in charge is on the other floor."
            ),
        )
        self.link(
            "registered.manager",
            case,
            "Risk escalation",
            note="Same-shift escalation on Rowan and Willow, seen in the sheets and care notes.",
            evidence=[rowan_sheets, willow_falls],
        )
        self.link(
            "registered.manager",
            case,
            "Care records",
            note="Fewer MAR chart gaps since actions are rechecked before they close.",
            evidence=[meds_audit, tracker],
        )
        self.link(
            "registered.manager",
            case,
            "Responsiveness to concerns",
            note="Families on Willow and Beech describe quicker answers and call-backs.",
            evidence=[relatives, beech_daughter],
        )
        self.link(
            "registered.manager",
            case,
            "Staffing deployment",
            note=(
                "The extra carer on Willow at teatime followed the falls review, but nothing "
                "yet shows that rota decisions routinely draw on audit findings."
            ),
        )
        self.link(
            "registered.manager",
            case,
            "Frontline practice consistency",
            note="Not shown yet: left for the deputy manager's checks, nights especially.",
        )
        self.step(
            "registered.manager",
            case,
            2,
            {
                "earlier_weakness": (
                    "Audits found problems but nobody checked that the fix held. MAR signature "
                    "gaps and missing post-fall observations appeared in three audits in a row, "
                    "and whether a concern was escalated depended on who was in charge."
                ),
                "current_practice": (
                    "Actions are rechecked a month after closing before they come off the "
                    "tracker, and post-fall charts are looked at in the morning huddle. On "
                    "Rowan and Willow this shows in the records and in what families tell us. "
                    "Beech is partly there. Night handover notes still miss escalations, so I "
                    "am not claiming an effect on staffing or on practice across the house."
                ),
            },
            complete=True,
        )

        # Step 3 (Deputy Manager): live validation sheet.
        self.check(
            "deputy.manager",
            case,
            rowan,
            shift=Shift.EARLY,
            outcome=Consistency.CONSISTENT,
            days=20,
            sampled=(
                "Five actions closed last month: bed-rail checks, MAR signatures for two "
                "residents and two post-fall charts. All five still in place."
            ),
        )
        self.check(
            "deputy.manager",
            case,
            willow,
            shift=Shift.LATE,
            outcome=Consistency.CONSISTENT,
            days=16,
            sampled=(
                "Falls follow-up for the two latest falls: observations on time, GP call "
                "noted, and the carer on shift knew the updated plan."
            ),
        )
        self.check(
            "deputy.manager",
            case,
            beech,
            shift=Shift.DAY,
            outcome=Consistency.PARTLY,
            days=14,
            sampled=(
                "Fluid chart action marked closed, but two of four charts sampled had no "
                "entries between 12pm and 3pm."
            ),
        )
        self.check(
            "deputy.manager",
            case,
            night,
            shift=Shift.NIGHT,
            outcome=Consistency.NOT,
            days=9,
            sampled=(
                "Three residents with raised scores overnight: escalation sheet used for one; "
                "the other two were handed over verbally at 7.30am."
            ),
        )
        self.step(
            "deputy.manager",
            case,
            3,
            {
                "summary": (
                    "Rowan and Willow act on review findings and the fixes hold when I recheck "
                    "them. Beech is partly there: actions close on paper before the practice "
                    "has changed. Nights are the weak point. Staff know the escalation route "
                    "but do not use it consistently, and the tracker would not have shown that."
                )
            },
            complete=True,
        )

        # Step 4 (Team Leader): implementation log.
        self.action(
            "team.leader",
            case,
            night,
            kind=ActionKind.SUPERVISION,
            days=7,
            description=(
                "Group supervision with the night team on the escalation sheet, using the two "
                "missed examples from the validation check. Agreed it applies on both floors."
            ),
        )
        self.action(
            "team.leader",
            case,
            beech,
            kind=ActionKind.COACHING,
            days=6,
            description=(
                "Coaching at the lunchtime handover on fluid charts; charts checked daily "
                "for two weeks."
            ),
        )
        self.action(
            "team.leader",
            case,
            willow,
            kind=ActionKind.FOLLOW_UP,
            days=4,
            description="Checked last month's falls actions on Willow were still in place.",
        )
        self.action(
            "team.leader",
            case,
            night,
            kind=ActionKind.SPOT_CHECK,
            days=-14,
            completed=False,
            description="Unannounced spot check of night escalation sheets, booked for 3am.",
        )
        self.step(
            "team.leader",
            case,
            4,
            {
                "summary": (
                    "Night supervision and Beech coaching done; the Willow follow-up showed "
                    "the falls actions holding. A night spot check is booked to see whether "
                    "the escalation sheet is now used. Agency staff on nights are the main "
                    "thing stopping actions from sticking."
                )
            },
            complete=True,
        )

        # Step 5 (Registered Manager): the proportionality judgement, within the evidence.

        supportable = case_readiness(case, today=self.today).assessment.level
        level = InfluenceLevel.EMERGING
        if readiness.exceeds(level, supportable):
            level = supportable  # never let the demo overclaim
        judgement_record(
            actor=self.users["registered.manager"],
            actor_roles=self.roles("registered.manager", house),
            case=case,
            version=StepRecord.objects.get(case=case, number=5).version,
            level=level,
            key_questions=case.domain.key_questions.filter(slug__in=["well_led", "safe"]),
            not_yet=(
                "Frontline practice across the house and staffing decisions. Night-time "
                "escalation and Beech fluid charts are still uneven, and the recheck measure "
                "is below target on every unit except Rowan."
            ),
            rationale=(
                "Action completion and escalation timeliness have held at or above target "
                "for about two months, and audits, care records and families' feedback back "
                "this up on Rowan and Willow. Practice checks are mixed and the frontline "
                "measure trails the leadership ones, so the effect is emerging, no more."
            ),
            escalate=True,
            summary=(
                "Oversight has improved faster than practice on the floor. Escalating to the "
                "senior leader for a nights review; the recheck figure and the night spot "
                "check will be reviewed at next month's governance meeting."
            ),
            today=self.today,
        )
        case.refresh_from_db()

    # -- 2. Record quality: steps 1 and 2 done, step 3 in progress -----------------------

    def record_quality_case(self, house):

        case = self.open_case(
            "quality.lead",
            house,
            "record-quality",
            title=RECORD_QUALITY_TITLE,
            baseline_issue=(
                "Documentation audits scored about 60%. Care plans were often weeks behind a "
                "change in need, daily notes repeated the same phrases, and staff coming on "
                "shift went by what they were told rather than what was written."
            ),
            improvement_began=self.ago(200),
            wider_areas=[
                "Handover quality",
                "Care plan reviews",
                "Daily decision-making",
                "Continuity between shifts",
            ],
        )
        if case is None:
            return
        teams = self.teams(house)
        rowan, willow, beech, night = (
            teams["Rowan unit"],
            teams["Willow unit"],
            teams["Beech unit"],
            teams["Night team"],
        )
        months = (185, 155, 125, 95, 65, 35, 8)
        self.indicator(
            "quality.lead",
            case,
            name="Documentation audit score",
            unit="%",
            higher_is_better=True,
            baseline=61,
            target=90,
            side=Side.LEADERSHIP,
            readings=[
                (d, v, None, "Monthly documentation audit")
                for d, v in zip(months, (61, 66, 72, 79, 84, 88, 91), strict=True)
            ],
        )
        per_team = {
            rowan: (50, 58, 66, 72, 78, 83),
            willow: (48, 55, 61, 68, 73, 77),
            beech: (44, 47, 52, 58, 63, 66),
            night: (40, 42, 45, 49, 52, 55),
        }
        self.indicator(
            "quality.lead",
            case,
            name="Handovers meeting the agreed standard",
            unit="%",
            higher_is_better=True,
            baseline=45,
            target=85,
            side=Side.FRONTLINE,
            readings=[
                (d, values[i], team, "Handover observation sample")
                for i, d in enumerate(months[1:])
                for team, values in per_team.items()
            ],
        )
        self.indicator(
            "quality.lead",
            case,
            name="Care delivered as the care plan says (sampled)",
            unit="%",
            higher_is_better=True,
            baseline=58,
            target=90,
            side=Side.FRONTLINE,
            readings=[
                (d, v, None, "Ten residents sampled each month")
                for d, v in zip(months, (58, 60, 65, 70, 74, 77, 80), strict=True)
            ],
        )

        # Step 1 (Quality Lead): documentation influence tracker.
        doc_audit = self.evidence(
            "quality.lead",
            case,
            step=1,
            source=Source.AUDITS,
            category="Processes",
            days=20,
            summary=(
                "Documentation audit: 91% overall. Care plans updated within 48 hours of a "
                "change on all units; Beech daily notes still the weakest section."
            ),
            files=[
                _csv(
                    "documentation-audit-results.csv",
                    [
                        ("team", "care_plans_checked", "updated_within_48h", "daily_notes_score"),
                        ("Rowan unit", 8, 8, 94),
                        ("Willow unit", 8, 8, 92),
                        ("Beech unit", 7, 7, 81),
                        ("Night team", 6, 6, 88),
                    ],
                )
            ],
        )
        reposition = self.evidence(
            "quality.lead",
            case,
            step=1,
            source=Source.CARE_RECORDS,
            category="Processes",
            days=28,
            team=rowan,
            summary=(
                "Repositioning charts for four Rowan residents match the two-hourly plan, and "
                "a skin change was written up and passed on the same shift."
            ),
        )
        self.step(
            "quality.lead",
            case,
            1,
            {
                "what_improved": (
                    "Care plans are updated within 48 hours of a change and daily notes say "
                    "what was done and what changed, not just 'settled'. The documentation "
                    "audit has gone from about 60% to over 90%."
                ),
                "how_measured": (
                    "Monthly documentation audit, handover observations on each unit and at "
                    "night, and a monthly sample of ten residents comparing care given with "
                    "the plan."
                ),
                "evidence_reviewed": (
                    "Audit results, repositioning and fluid charts, MAR charts, handover sheets "
                    "and comments from relatives."
                ),
                "areas_with_effect": ["Handover quality", "Care plan reviews"],
            },
            complete=True,
        )

        # Step 2 (Registered Manager): service reliability note.
        thickened = self.evidence(
            "registered.manager",
            case,
            step=2,
            source=Source.CARE_RECORDS,
            category="Processes",
            days=15,
            team=willow,
            summary=(
                "Willow resident started on thickened fluids: care plan, MAR chart and kitchen "
                "list all updated the same day, and the night notes reflect it."
            ),
        )
        son = self.evidence(
            "registered.manager",
            case,
            step=2,
            source=Source.FEEDBACK,
            category="People's experience",
            days=33,
            team=beech,
            summary=(
                "A Beech resident's son said staff knew about his mother's new diet without "
                "him having to repeat it."
            ),
        )
        self.evidence(
            "registered.manager",
            case,
            step=2,
            source=Source.CARE_RECORDS,
            category="Processes",
            days=10,
            team=night,
            stance=Stance.CONTRADICTS,
            summary=(
                "Night notes still copied forward: two entries called a resident settled when "
                "the fluid chart showed nothing taken after 8pm."
            ),
        )
        self.link(
            "registered.manager",
            case,
            "Care plan reviews",
            note="Plans now change within 48 hours and the change reaches the MAR and kitchen.",
            evidence=[doc_audit, thickened],
        )
        self.link(
            "registered.manager",
            case,
            "Handover quality",
            note="Day handovers on Rowan draw on the written plan; families notice.",
            evidence=[reposition, son],
        )
        self.link(
            "registered.manager",
            case,
            "Continuity between shifts",
            note="Assumed for now: night notes show the day-to-night hand-off is still weak.",
        )
        self.link(
            "registered.manager",
            case,
            "Daily decision-making",
            note="Assumed: no evidence yet that staff decide differently because of the notes.",
        )
        self.step(
            "registered.manager",
            case,
            2,
            {
                "earlier_weakness": (
                    "Plans lagged behind changes and staff did not trust them, so handovers "
                    "relied on memory and whoever had been on shift the day before."
                ),
                "current_practice": (
                    "Day staff on Rowan and Willow check the plan after handover and changes "
                    "reach the MAR chart and kitchen the same day. Night notes and the evening "
                    "handover are still mixed, so I am not claiming better continuity between "
                    "shifts yet."
                ),
            },
            complete=True,
        )

        # Step 3 (Deputy Manager): operational check sheet, in progress.
        self.check(
            "deputy.manager",
            case,
            rowan,
            shift=Shift.EARLY,
            outcome=Consistency.CONSISTENT,
            days=6,
            sampled=(
                "7.45am handover: changes to two care plans were mentioned and both carers "
                "read the plan before starting personal care."
            ),
        )
        self.check(
            "deputy.manager",
            case,
            night,
            shift=Shift.NIGHT,
            outcome=Consistency.PARTLY,
            days=3,
            sampled=(
                "8pm handover: the new falls plan for a Willow resident was not mentioned, "
                "and the night carer had not read it. Sensor mat was in place."
            ),
        )
        self.step(
            "deputy.manager",
            case,
            3,
            {
                "summary": (
                    "Two checks so far. Rowan's morning handover uses the updated plans. The "
                    "evening handover to nights missed a falls plan change. Still to check "
                    "Beech and the Willow late shift before I sign this off."
                )
            },
            complete=False,
        )

    # -- 3. Workforce competence at home care: step 1 draft ------------------------------

    def workforce_case(self, homecare):

        case = self.open_case(
            "operations.manager",
            homecare,
            "workforce-competence",
            title=WORKFORCE_TITLE,
            baseline_issue=(
                "A third of carers had medicines support or moving and handling sign-off out "
                "of date, spot checks were irregular, and families rang the office because "
                "carers were unsure what to do when a client seemed unwell."
            ),
            improvement_began=self.ago(180),
            wider_areas=[
                "Escalation of concerns",
                "Night and weekend shifts",
                "Team consistency",
                "Staff decision-making",
            ],
        )
        if case is None:
            return
        teams = self.teams(homecare)
        north, south, weekend = teams["North round"], teams["South round"], teams["Weekend team"]
        months = (175, 145, 115, 85, 55, 25, 4)
        self.indicator(
            "operations.manager",
            case,
            name="Competency assessments in date",
            unit="%",
            higher_is_better=True,
            baseline=64,
            target=95,
            side=Side.LEADERSHIP,
            readings=[
                (d, v, None, "From the competency matrix")
                for d, v in zip(months, (64, 70, 76, 83, 88, 92, 94), strict=True)
            ],
        )
        per_team = {
            north: (60, 66, 72, 79, 84, 88),
            south: (62, 65, 70, 76, 82, 86),
            weekend: (55, 56, 58, 61, 63, 66),
        }
        self.indicator(
            "operations.manager",
            case,
            name="Spot checks meeting the standard",
            unit="%",
            higher_is_better=True,
            baseline=60,
            target=90,
            side=Side.FRONTLINE,
            readings=[
                (d, values[i], team, "Field supervisor spot checks")
                for i, d in enumerate(months[1:])
                for team, values in per_team.items()
            ],
        )

        self.evidence(
            "operations.manager",
            case,
            step=1,
            source=Source.AUDITS,
            category="Processes",
            days=14,
            summary=(
                "Competency matrix: 94% of carers in date for medicines support and moving "
                "and handling. Four of the six gaps are on the weekend team."
            ),
            files=[
                _csv(
                    "competency-matrix-summary.csv",
                    [
                        ("team", "carers", "medicines_in_date", "moving_handling_in_date"),
                        ("North round", 14, 14, 14),
                        ("South round", 13, 13, 12),
                        ("Weekend team", 9, 6, 7),
                    ],
                )
            ],
        )
        self.evidence(
            "homecare.manager",
            case,
            step=1,
            source=Source.STAFF_PRACTICE,
            category="Observation",
            days=21,
            team=north,
            summary=(
                "Spot check on the North round: carer checked the MAR sheet before prompting "
                "medicines, noticed a new blister pack and rang the pharmacy to confirm."
            ),
        )
        self.evidence(
            "homecare.manager",
            case,
            step=1,
            source=Source.STAFF_PRACTICE,
            category="Observation",
            days=35,
            team=south,
            summary=(
                "South round: carer saw a client was more confused than usual, rang the "
                "office, and the GP visited the same morning."
            ),
        )
        self.evidence(
            "homecare.manager",
            case,
            step=1,
            source=Source.FEEDBACK,
            category="People's experience",
            days=27,
            team=south,
            summary=(
                "A client's wife said carers now tell her what they have noticed and ring the "
                "office themselves instead of leaving it to her."
            ),
        )
        self.evidence(
            "operations.manager",
            case,
            step=1,
            source=Source.CARE_RECORDS,
            category="Processes",
            days=19,
            team=north,
            summary=(
                "North round visit notes describe what was done and any change in the client, "
                "rather than 'all fine'."
            ),
        )
        self.evidence(
            "homecare.manager",
            case,
            step=1,
            source=Source.STAFF_PRACTICE,
            category="Observation",
            days=10,
            team=weekend,
            stance=Stance.CONTRADICTS,
            summary=(
                "Weekend spot check: carer did not know the new process for a refused "
                "medicine and left it off the MAR sheet."
            ),
            files=[
                _txt(
                    "weekend-spot-check-notes.txt",
                    [
                        "Spot check - Weekend team",
                        f"Date: {self.ago(10):%d/%m/%Y}",
                        "Visit: teatime call, client on the South side of the patch",
                        "Medicines prompt: evening tablets refused",
                        "Recorded on MAR: no",
                        "Office told: no",
                        "Follow-up: refusal process talked through on the spot; recheck booked",
                    ],
                )
            ],
        )
        self.step(
            "operations.manager",
            case,
            1,
            {
                "what_improved": (
                    "Nearly all carers are now signed off for medicines support and moving and "
                    "handling, and weekday spot checks show carers ringing the office early "
                    "when a client changes."
                ),
                "how_measured": (
                    "Competency matrix and monthly spot checks by the field supervisors, "
                    "split by round."
                ),
                "evidence_reviewed": (
                    "Competency matrix, spot check forms, visit notes from the North round "
                    "and a call from a client's family."
                ),
                "areas_with_effect": ["Escalation of concerns", "Staff decision-making"],
            },
            complete=False,
        )


# --- Reviews (the review cadence) ------------------------------------------------------------


def seed_reviews(result, *, today, users):
    """Monthly reviews of the three cases and the provider's quarterly review, with a little
    history. Dated so that reminders go out as soon as a worker starts: the governance
    case's review is at least 14 days overdue (its Registered Manager and, as the next level
    up, the Senior Leader hear about it) and the record quality one is overdue. Added only
    where a case or provider has no reviews yet, so a second seed changes nothing."""

    def back(cad, period, n=1):
        for _ in range(n):
            period = reviews.period_starting(cad, reviews.add_months(period.start, -cad.months))
        return period

    def done_at(day):
        return timezone.make_aware(datetime.combine(day, time(15, 0)))

    def add(*, kind, provider, period, case=None, **fields):
        review = Review.objects.create(
            kind=kind,
            provider=provider,
            location=case.location if case else None,
            case=case,
            period_start=period.start,
            period_end=period.end,
            period_label=period.label,
            due_on=period.due_on,
            **fields,
        )
        result.note(review, True)

    def completed(username, period, outcome, notes):
        return {
            "status": ReviewStatus.COMPLETED,
            "outcome": outcome,
            "notes": notes,
            "completed_by": users[username],
            "completed_at": done_at(min(period.due_on, today)),
        }

    monthly = cadence(ReviewKind.MONTHLY)
    current = reviews.current_period(monthly, today)
    overdue = back(monthly, current)  # the latest period already past its due date
    long_overdue = overdue
    while long_overdue.due_on > reviews.next_level_cutoff(today):
        long_overdue = back(monthly, long_overdue)

    cases = {
        c.title: c
        for c in ImprovementCase.objects.filter(
            title__in=[GOVERNANCE_TITLE, RECORD_QUALITY_TITLE, WORKFORCE_TITLE]
        ).select_related("location__provider")
    }
    governance = cases.get(GOVERNANCE_TITLE)
    if governance and not governance.reviews.exists():
        provider = governance.location.provider
        add(
            kind=ReviewKind.MONTHLY,
            provider=provider,
            case=governance,
            period=back(monthly, long_overdue, 2),
            **completed(
                "registered.manager",
                back(monthly, long_overdue, 2),
                ReviewOutcome.ON_TRACK,
                "Action tracker and escalation sheets both moving the right way.",
            ),
        )
        add(
            kind=ReviewKind.MONTHLY,
            provider=provider,
            case=governance,
            period=back(monthly, long_overdue),
            **completed(
                "registered.manager",
                back(monthly, long_overdue),
                ReviewOutcome.GAP_OBSERVED,
                "Audit actions close on time, but the floor rechecks on Beech and nights lag "
                "well behind. Watching this next month.",
            ),
        )
        add(kind=ReviewKind.MONTHLY, provider=provider, case=governance, period=long_overdue)
    record_quality = cases.get(RECORD_QUALITY_TITLE)
    if record_quality and not record_quality.reviews.exists():
        provider = record_quality.location.provider
        add(
            kind=ReviewKind.MONTHLY,
            provider=provider,
            case=record_quality,
            period=back(monthly, overdue),
            **completed(
                "registered.manager",
                back(monthly, overdue),
                ReviewOutcome.ON_TRACK,
                "Documentation audit above target; handovers improving on the day units.",
            ),
        )
        add(kind=ReviewKind.MONTHLY, provider=provider, case=record_quality, period=overdue)
    workforce = cases.get(WORKFORCE_TITLE)
    if workforce and not workforce.reviews.exists():
        provider = workforce.location.provider
        add(
            kind=ReviewKind.MONTHLY,
            provider=provider,
            case=workforce,
            period=back(monthly, current),
            **completed(
                "homecare.manager",
                back(monthly, current),
                ReviewOutcome.ON_TRACK,
                "Competency matrix nearly complete; weekend spot checks still to come.",
            ),
        )
        add(kind=ReviewKind.MONTHLY, provider=provider, case=workforce, period=current)

    oakfield = Provider.objects.filter(slug="oakfield-care").first()
    if oakfield and not oakfield.reviews.filter(kind=ReviewKind.QUARTERLY).exists():
        quarterly = cadence(ReviewKind.QUARTERLY)
        this_quarter = reviews.current_period(quarterly, today)
        add(
            kind=ReviewKind.QUARTERLY,
            provider=oakfield,
            period=back(quarterly, this_quarter),
            **completed(
                "senior.leader",
                back(quarterly, this_quarter),
                ReviewOutcome.ON_TRACK,
                "Governance work holding at Oakfield House; home care case just opened.",
            ),
        )
        add(kind=ReviewKind.QUARTERLY, provider=oakfield, period=this_quarter)
