"""Roles and what each may do. Plain Python: no database access here."""

from django.db import models


class Role(models.TextChoices):
    QUALITY_LEAD = "quality_lead", "Quality Lead"
    REGISTERED_MANAGER = "registered_manager", "Registered Manager"
    DEPUTY_MANAGER = "deputy_manager", "Deputy Manager"
    TEAM_LEADER = "team_leader", "Team Leader"
    OPERATIONS_MANAGER = "operations_manager", "Operations Manager"
    SENIOR_LEADER = "senior_leader", "Senior Leader"
    VIEWER = "viewer", "Viewer"


# Roles held across a whole provider rather than at one location.
PROVIDER_WIDE_ROLES = frozenset({Role.SENIOR_LEADER})
# Roles that may be held either way: a viewer can be given one location or the provider.
EITHER_SCOPE_ROLES = frozenset({Role.VIEWER})
LOCATION_ROLES = frozenset(Role) - PROVIDER_WIDE_ROLES
READ_ONLY_ROLES = frozenset({Role.VIEWER})

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


def can_manage_members(held_roles) -> bool:
    return bool(MEMBER_MANAGER_ROLES & set(held_roles))


def can_write(held_roles) -> bool:
    """Any role other than read-only viewers may contribute."""
    return bool(set(held_roles) - READ_ONLY_ROLES)
