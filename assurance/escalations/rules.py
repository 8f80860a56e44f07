"""Escalation rules, in one place. Pure Python: no database access.

Services call these before changing anything; views call them only to decide what to show
(and to answer a refused move with a 403 that says why).
"""

from assurance.cases.workflow import ALLOW, MIN_REASON_LENGTH, Decision
from assurance.organisations.permissions import ESCALATION_MANAGER_ROLES

OPEN = "open"
IN_PROGRESS = "in_progress"
DONE = "done"
CANCELLED = "cancelled"
ACTIVE = (OPEN, IN_PROGRESS)
CLOSED = (DONE, CANCELLED)

# Status moves, and why each happens when nobody says more. Done and cancelled are final:
# nothing moves out of them.
TRANSITIONS = {
    (OPEN, IN_PROGRESS): "work started",
    (IN_PROGRESS, OPEN): "work paused",
    (OPEN, DONE): "done, with its outcome",
    (IN_PROGRESS, DONE): "done, with its outcome",
    (OPEN, CANCELLED): "cancelled with a reason",
    (IN_PROGRESS, CANCELLED): "cancelled with a reason",
}

# Raised by the system because the record shows a problem, not by a person's choice: an
# overclaim (a judgement above the evidence) or a gap seen in two monthly reviews running.
# Their owner works them; only a Registered Manager or a Senior Leader closes them.
AUTOMATIC_TRIGGERS = frozenset({"overclaim", "repeated_gap"})

STATUS_LABELS = {
    OPEN: "Open",
    IN_PROGRESS: "In progress",
    DONE: "Done",
    CANCELLED: "Cancelled",
}


def is_manager(actor_roles) -> bool:
    """Registered Managers and Senior Leaders manage escalations (assign, re-date, close)."""
    return bool(ESCALATION_MANAGER_ROLES & set(actor_roles))


def is_automatic(trigger: str) -> bool:
    return trigger in AUTOMATIC_TRIGGERS


def can_update(status: str, *, actor_roles, is_owner: bool) -> Decision:
    if not (is_manager(actor_roles) or is_owner):
        return Decision(
            False,
            "Only the owner, the Registered Manager or a Senior Leader can update this escalation.",
        )
    if status not in ACTIVE:
        return Decision(False, "This escalation is closed: only open ones can change.")
    return ALLOW


def may_move(new: str, *, trigger: str, actor_roles, is_owner: bool) -> Decision:
    """Whether this person may move an escalation to ``new`` (their role, not the table)."""
    if not (is_manager(actor_roles) or is_owner):
        return can_update(OPEN, actor_roles=actor_roles, is_owner=is_owner)
    if new in CLOSED and is_automatic(trigger) and not is_manager(actor_roles):
        return Decision(
            False,
            "An escalation raised automatically (an overclaim or a repeated gap) is closed "
            "only by a Registered Manager or a Senior Leader, with an outcome. As its owner "
            "you can move it to in progress and add progress notes.",
        )
    return ALLOW


def can_move(current: str, new: str) -> Decision:
    if new == current or (current, new) in TRANSITIONS:
        return ALLOW
    return Decision(
        False,
        f"An escalation cannot move from {STATUS_LABELS.get(current, current)} to "
        f"{STATUS_LABELS.get(new, new)}.",
    )


def moves_for(current: str, *, trigger: str, actor_roles, is_owner: bool) -> list[str]:
    """The statuses this person may choose now: the current one, then each allowed move."""
    return [current] + [
        new
        for (frm, new) in TRANSITIONS
        if frm == current
        and may_move(new, trigger=trigger, actor_roles=actor_roles, is_owner=is_owner)
    ]


def missing_for(new: str, *, trigger: str, outcome: str, reason: str) -> dict[str, str]:
    """What a move to ``new`` still needs, by form field: done needs an outcome; cancelling
    needs a reason, and an automatic escalation's outcome too (what became of the problem)."""
    missing = {}
    if new == DONE and not (outcome or "").strip():
        missing["outcome"] = "Record the outcome before marking it done."
    if new == CANCELLED:
        if len((reason or "").strip()) < MIN_REASON_LENGTH:
            missing["cancel_reason"] = "Say why it is cancelled (a short sentence)."
        if is_automatic(trigger) and not (outcome or "").strip():
            missing["outcome"] = (
                "An escalation raised automatically is closed with an outcome: say what became "
                "of the problem it was raised for."
            )
    return missing


def why(current: str, new: str, *, note: str = "", outcome: str = "", reason: str = "") -> str:
    """The reason recorded with a move: what the person wrote, else what the move means."""
    written = (note or "").strip()
    if written:
        return written
    if new == CANCELLED and (reason or "").strip():
        return reason.strip()
    if new == DONE and (outcome or "").strip():
        return outcome.strip()
    return TRANSITIONS.get((current, new), "")
