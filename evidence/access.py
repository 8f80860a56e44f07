"""Fetchers for evidence items and files: outsiders 404."""

from django.shortcuts import get_object_or_404

from assurance.organisations.access import attach_case_roles, visible_locations

from .models import EvidenceFile, EvidenceItem


def get_evidence_item_for_user(user, item_uuid):
    item = get_object_or_404(
        EvidenceItem.objects.filter(case__location__in=visible_locations(user)).select_related(
            "case__location__provider", "case__domain"
        ),
        uuid=item_uuid,
    )
    attach_case_roles(user, item.case)
    return item


def get_evidence_file_for_user(user, file_uuid):
    return get_object_or_404(
        EvidenceFile.objects.filter(item__case__location__in=visible_locations(user)),
        uuid=file_uuid,
    )
