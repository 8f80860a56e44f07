"""Writes that tie several rooms together around a case (the case page is where they meet)."""

from django.urls import reverse
from django.utils import timezone

from assurance.casework import navigation
from assurance.casework.models import CasePagePreference
from assurance.judgement import readiness
from assurance.judgement.figures import case_readiness
from assurance.judgement.models import ProportionalityJudgement
from assurance.organisations.models import Membership
from assurance.organisations.permissions import CASE_MANAGER_ROLES
from assurance.reviews.models import Notification


def judgement_changes_notify(*, case) -> list[Notification]:
    """Tell the case's Registered Managers, in the app, that the evidence under its current
    judgement changed: what changed and the level the evidence supports now."""
    judgement = ProportionalityJudgement.objects.current().with_changes().filter(case=case).first()
    if judgement is None or not judgement.evidence_changed:
        return []
    supported = readiness.LEVEL_LABELS[case_readiness(case).assessment.level]
    label = (
        f"{case.title}: {', '.join(judgement.change_summary)}; the evidence now supports "
        f"{supported} (judged {judgement.get_level_display()})"
    )
    path = reverse("casework:case_detail", args=[case.uuid]) + "#judgement"
    managers = (
        Membership.objects.current()
        .filter(location_id=case.location_id, role__in=CASE_MANAGER_ROLES)
        .values_list("user_id", flat=True)
        .distinct()
    )
    items = [{"label": label, "path": path, "stage_label": "Confirm or record again"}]
    title = "Evidence changed since the judgement"
    # One unread notice per case and person, kept up to date, rather than one per change.
    unread = Notification.objects.filter(
        user_id__in=managers, title=title, items__0__path=path, read_at__isnull=True
    )
    now = timezone.now()
    unread.update(items=items, created_at=now)
    told = set(unread.values_list("user_id", flat=True))
    return Notification.objects.bulk_create(
        Notification(user_id=user_id, title=title, items=items, created_at=now)
        for user_id in managers
        if user_id not in told
    )


def case_sections_remember(*, user, closed: list[str]) -> CasePagePreference:
    """Remember which case-page sections `user` folded away (known section names only)."""
    preference, _ = CasePagePreference.objects.update_or_create(
        user=user, defaults={"closed_sections": navigation.clean_closed(closed)}
    )
    return preference
