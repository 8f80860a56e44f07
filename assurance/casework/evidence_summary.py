"""The evidence on a case page, bounded whatever the number of items.

The page shows counts by source and stance (one aggregate query), the latest few items in
full, and reads for the figures only the columns they use. Every item is on the paged
evidence list of the case (`evidence_views.case_evidence`), with the same filters as the
evidence register.
"""

from collections import defaultdict

from django.db.models import Count, Q

from evidence.models import EvidenceFile, EvidenceItem, Source, Stance

LATEST = 10  # items shown in full on the case page
CONTRADICTING_SHOWN = 10  # contradicting items named under the corroboration figure

# What the readiness figures, the judgement fingerprint, the corroboration grid and the
# influence-link choices read of each item: no people, no reasons, no step.
FIGURE_FIELDS = (
    "id",
    "uuid",
    "case_id",
    "source",
    "stance",
    "occurred_on",
    "team_id",
    "category_id",
    "summary",
    "created_at",
    "withdrawn_at",
    "valid_until",
)


def rows_for_figures(case) -> list:
    """Every item of the case (withdrawn too: the figures read each as of a moment), with
    only the columns the figures read and its files' hashes as a plain list, `file_list`
    (what `figures.evidence_fingerprint` reads): 2 queries, the files found through their
    items' case (a join, where a prefetch would send every item's id and build a queryset
    for each item)."""
    items = list(EvidenceItem.objects.filter(case=case).only(*FIGURE_FIELDS))
    files = defaultdict(list)
    for f in EvidenceFile.objects.filter(item__case=case).only("id", "uuid", "item_id", "sha256"):
        files[f.item_id].append(f)
    for item in items:
        item.file_list = files[item.pk]
    return items


def latest(case, limit=LATEST) -> list:
    """The items most recently recorded, in full (who, files, withdrawal): 2 queries."""
    return list(
        EvidenceItem.objects.filter(case=case)
        .select_related("team", "category", "created_by", "withdrawn_by")
        .prefetch_related("files")
        .order_by("-created_at", "-id")[:limit]
    )


def count_row(case) -> dict:
    """One aggregate query: current items per (source, stance), withdrawn and all."""
    counts = {
        f"{source}__{stance}": Count(
            "id", filter=Q(source=source, stance=stance, withdrawn_at__isnull=True)
        )
        for source in Source.values
        for stance in Stance.values
    }
    return EvidenceItem.objects.filter(case=case).aggregate(
        **counts,
        withdrawn=Count("id", filter=Q(withdrawn_at__isnull=False)),
        total=Count("id"),
    )


def counts(row: dict) -> dict:
    """Shape `count_row` for the page: a row per source and the totals by stance."""
    by_source = []
    for source in Source:
        supports = row[f"{source.value}__{Stance.SUPPORTS}"]
        contradicts = row[f"{source.value}__{Stance.CONTRADICTS}"]
        by_source.append(
            {
                "source": source.value,
                "label": source.label,
                "supports": supports,
                "contradicts": contradicts,
                "current": supports + contradicts,
            }
        )
    supports = sum(r["supports"] for r in by_source)
    contradicts = sum(r["contradicts"] for r in by_source)
    return {
        "by_source": by_source,
        "supports": supports,
        "contradicts": contradicts,
        "current": supports + contradicts,
        "withdrawn": row["withdrawn"],
        "total": row["total"],
    }
