"""Who may do what: every role set and role predicate, in one place. Pure Python.

Fetching objects for a user (404 for outsiders, 403 for the wrong role) is in each room's
`access.py`, built on `organisations/access.py`.
"""

from domains.roles import Role

# Roles held across a whole provider rather than at one location.
PROVIDER_WIDE_ROLES = frozenset({Role.SENIOR_LEADER})
# Roles that may be held either way: a viewer can be given one location or the provider.
EITHER_SCOPE_ROLES = frozenset({Role.VIEWER})
LOCATION_ROLES = frozenset(Role) - PROVIDER_WIDE_ROLES
READ_ONLY_ROLES = frozenset({Role.VIEWER})
# Roles a provider-wide membership may carry.
PROVIDER_SCOPE_ROLES = PROVIDER_WIDE_ROLES | EITHER_SCOPE_ROLES

# Who manages membership and teams: a Registered Manager at their location, a Senior Leader
# across the provider. The roles each may grant never reach above their own scope.
MEMBER_MANAGER_ROLES = frozenset({Role.REGISTERED_MANAGER, Role.SENIOR_LEADER})
GRANTABLE_BY = {
    Role.REGISTERED_MANAGER: frozenset(
        {
            Role.QUALITY_LEAD,
            Role.REGISTERED_MANAGER,
            Role.DEPUTY_MANAGER,
            Role.TEAM_LEADER,
            Role.OPERATIONS_MANAGER,
            Role.VIEWER,
        }
    ),
    Role.SENIOR_LEADER: frozenset(Role),
}


def grantable_roles(held_roles) -> frozenset:
    """The roles someone holding `held_roles` (at one scope) may grant at that scope."""
    granted: frozenset = frozenset()
    for role in held_roles:
        granted |= GRANTABLE_BY.get(role, frozenset())
    return granted


SELF_GRANT_REFUSED = (
    "You cannot give yourself a role. Ask another Registered Manager or a Senior Leader "
    "to add it for you."
)


def is_self_grant(*, actor_id, grantee_id) -> bool:
    """Separation of duties: nobody grants themselves a role, whatever they hold."""
    return actor_id is not None and actor_id == grantee_id


def can_manage_members(held_roles) -> bool:
    return bool(MEMBER_MANAGER_ROLES & set(held_roles))


def can_write(held_roles) -> bool:
    """Any role other than read-only viewers may contribute."""
    return bool(set(held_roles) - READ_ONLY_ROLES)


# --- What each role may do ----------------------------------------------------------------

# Managing the provider itself: its provider-wide members, its reminder ledger.
PROVIDER_MANAGER_ROLES = frozenset({Role.SENIOR_LEADER})
# Opening a case and managing its indicators.
CASE_OPENER_ROLES = frozenset({Role.QUALITY_LEAD, Role.OPERATIONS_MANAGER, Role.REGISTERED_MANAGER})
INDICATOR_ROLES = CASE_OPENER_ROLES
# Closing or withdrawing a case, reopening a completed step, confirming a judgement.
CASE_MANAGER_ROLES = frozenset({Role.REGISTERED_MANAGER})
# Raising escalations by hand, closing them, editing published ratings.
ESCALATION_MANAGER_ROLES = frozenset({Role.REGISTERED_MANAGER, Role.SENIOR_LEADER})
RATING_EDITOR_ROLES = frozenset({Role.REGISTERED_MANAGER, Role.SENIOR_LEADER})
SCORE_EDITOR_ROLES = RATING_EDITOR_ROLES | {Role.QUALITY_LEAD}
# Switching a location (or the whole provider) to another framework version; the Django
# admin (superusers) may too.
FRAMEWORK_SWITCH_ROLES = frozenset({Role.SENIOR_LEADER})
# Recording a key question's self-judgement under an in-the-round framework.
SELF_JUDGEMENT_ROLES = frozenset({Role.REGISTERED_MANAGER})
# Reviews: monthly by the location's Registered Manager, quarterly by Senior Leaders.
MONTHLY_REVIEWER_ROLES = frozenset({Role.REGISTERED_MANAGER})
QUARTERLY_REVIEWER_ROLES = frozenset({Role.SENIOR_LEADER})
# The reminder ledger.
REMINDER_ROLES = frozenset({Role.REGISTERED_MANAGER, Role.SENIOR_LEADER})
# Quarterly reports: provider-wide by Senior Leaders, one location by its managers too.
QUARTERLY_REPORT_ROLES = frozenset({Role.SENIOR_LEADER})
LOCATION_REPORT_ROLES = frozenset({Role.REGISTERED_MANAGER, Role.SENIOR_LEADER})
# Reading them: a viewer given the whole provider (a commissioner or inspector, for as long
# as their access lasts) reads and downloads every quarterly report of the provider, but
# requests none.
QUARTERLY_REPORT_READER_ROLES = QUARTERLY_REPORT_ROLES | READ_ONLY_ROLES


def is_read_only(held_roles) -> bool:
    """Holds only read-only roles (a viewer): may read and download, never request or
    change anything."""
    return bool(held_roles) and not set(held_roles) - READ_ONLY_ROLES


def can_open_case(held_roles) -> bool:
    return bool(CASE_OPENER_ROLES & set(held_roles))


def holds_any(held_roles, allowed) -> bool:
    return bool(set(held_roles) & set(allowed))


def can_switch_framework(held_roles) -> bool:
    return holds_any(held_roles, FRAMEWORK_SWITCH_ROLES)


def can_record_self_judgement(held_roles) -> bool:
    return holds_any(held_roles, SELF_JUDGEMENT_ROLES)
