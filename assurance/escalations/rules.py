"""Escalation rules, in one place. Pure Python: no database access.

Services call these before changing anything; views call them only to decide what to show.
"""

from assurance.cases.workflow import ALLOW, Decision
from assurance.organisations.permissions import ESCALATION_MANAGER_ROLES

OPEN = "open"
IN_PROGRESS = "in_progress"
DONE = "done"
CANCELLED = "cancelled"
ACTIVE = (OPEN, IN_PROGRESS)

# Status moves. Done and cancelled are final: nothing moves out of them.
TRANSITIONS = {
    (OPEN, IN_PROGRESS): "work started",
    (IN_PROGRESS, OPEN): "work paused",
    (OPEN, DONE): "done, with its outcome",
    (IN_PROGRESS, DONE): "done, with its outcome",
    (OPEN, CANCELLED): "cancelled with a reason",
    (IN_PROGRESS, CANCELLED): "cancelled with a reason",
}


def is_manager(actor_roles) -> bool:
    """Registered Managers and Senior Leaders manage escalations (assign, re-date, close)."""
    return bool(ESCALATION_MANAGER_ROLES & set(actor_roles))


def can_update(status: str, *, actor_roles, is_owner: bool) -> Decision:
    if not (is_manager(actor_roles) or is_owner):
        return Decision(
            False,
            "Only the owner, the Registered Manager or a Senior Leader can update this escalation.",
        )
    if status not in ACTIVE:
        return Decision(False, "This escalation is closed: only open ones can change.")
    return ALLOW


def can_move(current: str, new: str) -> Decision:
    if new == current or (current, new) in TRANSITIONS:
        return ALLOW
    return Decision(False, f"An escalation cannot move from {current} to {new}.")
