"""The five-step workflow rules, in one place. Pure Python: no database access.

Services call these before changing anything; views and templates call them only to decide
what to show. Each rule answers with a Decision carrying a plain-English reason.
"""

from dataclasses import dataclass

from assurance.organisations import permissions
from assurance.organisations.permissions import CASE_MANAGER_ROLES
from domains.roles import Role

STEP_COUNT = 5
OPEN = "open"
UNDER_REVIEW = "under_review"
CLOSED = "closed"
WITHDRAWN = "withdrawn"

# Case status moves, and why each happens. Anything not listed is refused.
TRANSITIONS = {
    (OPEN, UNDER_REVIEW): "all five steps completed",
    (UNDER_REVIEW, OPEN): "a completed step was reopened",
    (OPEN, CLOSED): "closed with a reason",
    (UNDER_REVIEW, CLOSED): "closed with a reason",
    (OPEN, WITHDRAWN): "withdrawn with a reason",
    (UNDER_REVIEW, WITHDRAWN): "withdrawn with a reason",
    # A closed or withdrawn case is read-only until a Registered Manager reopens it.
    (CLOSED, OPEN): "reopened with a reason",
    (WITHDRAWN, OPEN): "reopened with a reason",
}
ACTIVE_STATUSES = frozenset({OPEN, UNDER_REVIEW})
MIN_REASON_LENGTH = 10


class WorkflowError(Exception):
    """An illegal move. The message is shown to the user as it is."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    self_validation: bool = False

    def __bool__(self):
        return self.allowed

    def require(self):
        if not self.allowed:
            raise WorkflowError(self.reason)
        return self


ALLOW = Decision(True)


@dataclass(frozen=True)
class StepState:
    number: int
    role: str
    label: str
    completed: bool = False
    completed_by_id: int | None = None


@dataclass(frozen=True)
class CaseState:
    status: str
    steps: tuple[StepState, ...]  # exactly five, in order
    allow_self_validation: bool = False
    # Provider setting: steps 1, 2 and 3 must each be completed by a different person.
    distinct_people_first_steps: bool = False

    def step(self, number) -> StepState:
        return self.steps[number - 1]

    @property
    def current_step(self) -> int:
        """The first step not yet completed (5 when all are)."""
        return next((s.number for s in self.steps if not s.completed), STEP_COUNT)

    @property
    def all_completed(self) -> bool:
        return all(s.completed for s in self.steps)


def _role_label(role) -> str:
    return Role(role).label


def check_transition(current: str, new: str) -> Decision:
    if (current, new) in TRANSITIONS:
        return ALLOW
    return Decision(
        False, f"A case that is {current.replace('_', ' ')} cannot become {new.replace('_', ' ')}."
    )


def can_edit_step(case: CaseState, number: int, *, actor_roles) -> Decision:
    """Save a draft of a step's artefact (or add rows to it)."""
    if case.status not in ACTIVE_STATUSES:
        return Decision(False, f"This case is {case.status.replace('_', ' ')}: nothing can change.")
    step = case.step(number)
    if step.completed:
        return Decision(
            False,
            f"Step {number} ({step.label}) is completed and locked. A Registered Manager can "
            "reopen it with a reason.",
        )
    if number > case.current_step:
        earlier = case.step(case.current_step)
        return Decision(
            False,
            f"Step {number} cannot start yet: step {earlier.number} ({earlier.label}) comes first.",
        )
    if step.role not in set(actor_roles):
        return Decision(
            False,
            f"Step {number} ({step.label}) is for the {_role_label(step.role)} at this location.",
        )
    return ALLOW


def can_complete_step(case: CaseState, number: int, *, actor_id: int, actor_roles) -> Decision:
    decision = can_edit_step(case, number, actor_roles=actor_roles)
    if not decision:
        return decision
    if case.distinct_people_first_steps and number in DISTINCT_PEOPLE_STEPS:
        mine = [
            other
            for other in DISTINCT_PEOPLE_STEPS
            if other != number
            and case.step(other).completed
            and case.step(other).completed_by_id == actor_id
        ]
        if mine:
            return Decision(
                False,
                f"You completed {_steps_phrase(mine).lower()}, so someone else must complete "
                f"step {number}: this provider requires a different person for each of steps "
                "1, 2 and 3.",
            )
    if number == 3:
        author = case.step(1).completed_by_id
        if author is not None and author == actor_id:
            if not case.allow_self_validation:
                return Decision(
                    False,
                    "The person who wrote step 1 cannot also validate practice in step 3: "
                    "another Deputy Manager must do it. (A provider can allow this for very "
                    "small services.)",
                )
            return Decision(
                True,
                "Step 1 author validated step 3 (small-service setting).",
                self_validation=True,
            )
    return ALLOW


DISTINCT_PEOPLE_STEPS = (1, 2, 3)


def _steps_phrase(numbers) -> str:
    """ "Step 1", "Steps 1 and 2", "Steps 1, 2 and 5"."""
    numbers = [str(n) for n in sorted(numbers)]
    if len(numbers) == 1:
        return f"Step {numbers[0]}"
    return f"Steps {', '.join(numbers[:-1])} and {numbers[-1]}"


@dataclass(frozen=True)
class SamePerson:
    """One person who completed two or more steps of a case."""

    person_id: int
    name: str
    steps: tuple[int, ...]

    @property
    def message(self) -> str:
        both = "both" if len(self.steps) == 2 else "all"
        return f"{_steps_phrase(self.steps)} were {both} completed by {self.name}."


def same_person_notes(completions) -> list[SamePerson]:
    """Who completed more than one step, from `(step number, person id, person name)` of the
    completed steps (uncompleted ones may be passed with person id None). Ordered by the
    first step each person completed."""
    by_person: dict[int, list] = {}
    names: dict[int, str] = {}
    for number, person_id, name in completions:
        if person_id is None:
            continue
        by_person.setdefault(person_id, []).append(number)
        names.setdefault(person_id, name)
    notes = [
        SamePerson(person_id, names[person_id], tuple(sorted(numbers)))
        for person_id, numbers in by_person.items()
        if len(numbers) > 1
    ]
    return sorted(notes, key=lambda n: n.steps)


def step_completions(steps) -> list[tuple]:
    """`(number, person id, name)` for each completed step record (with `completed_by`
    loaded): the input of same_person_notes."""
    return [
        (s.number, s.completed_by_id, _person_name(s.completed_by))
        for s in steps
        if s.completed_at is not None and s.completed_by_id is not None
    ]


def _person_name(user) -> str:
    if user is None:
        return "one person"
    return user.get_full_name() or user.get_username()


def can_reopen_step(
    case: CaseState, number: int, *, actor_roles, reason: str | None = None
) -> Decision:
    """May this person reopen the step? With `reason`, also whether the reason will do."""
    if case.status not in ACTIVE_STATUSES:
        return Decision(False, f"This case is {case.status.replace('_', ' ')}: nothing can change.")
    if not CASE_MANAGER_ROLES & set(actor_roles):
        return Decision(False, "Only a Registered Manager can reopen a completed step.")
    step = case.step(number)
    if not step.completed:
        return Decision(False, f"Step {number} is not completed, so there is nothing to reopen.")
    if reason is not None and len(reason.strip()) < MIN_REASON_LENGTH:
        return Decision(False, "Give a reason for reopening (at least a short sentence).")
    return ALLOW


def status_after_steps(case: CaseState) -> str:
    """Open while any step is outstanding; under review once all five are done."""
    if case.status not in ACTIVE_STATUSES:
        return case.status
    return UNDER_REVIEW if case.all_completed else OPEN


def can_close(case_status: str, *, actor_roles, new_status: str, reason: str) -> Decision:
    if not CASE_MANAGER_ROLES & set(actor_roles):
        return Decision(False, "Only a Registered Manager can close, withdraw or reopen a case.")
    decision = check_transition(case_status, new_status)
    if not decision:
        return decision
    if len((reason or "").strip()) < MIN_REASON_LENGTH:
        verb = {CLOSED: "closing", WITHDRAWN: "withdrawing"}.get(new_status, "reopening")
        return Decision(False, f"Give a reason for {verb} the case (at least a short sentence).")
    return ALLOW


def can_open_case(actor_roles) -> Decision:
    if permissions.can_open_case(actor_roles):
        return ALLOW
    return Decision(
        False, "Only a Quality Lead, Operations Manager or Registered Manager can open a case."
    )
