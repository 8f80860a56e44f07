"""The roles people hold in a regulated care service: vocabulary shared by the domain
templates (which role does each step) and by memberships. Plain data, no rules."""

from django.db import models


class Role(models.TextChoices):
    QUALITY_LEAD = "quality_lead", "Quality Lead"
    REGISTERED_MANAGER = "registered_manager", "Registered Manager"
    DEPUTY_MANAGER = "deputy_manager", "Deputy Manager"
    TEAM_LEADER = "team_leader", "Team Leader"
    OPERATIONS_MANAGER = "operations_manager", "Operations Manager"
    SENIOR_LEADER = "senior_leader", "Senior Leader"
    VIEWER = "viewer", "Viewer"
