"""The evidence on a case page, bounded whatever the number of items.

The page reads for the figures only the columns they use, as plain rows, and counts those
rows by source and stance; it shows the latest few items in full. Every item is on the paged
evidence list of the case (`evidence_views.case_evidence`), with the same filters as the
evidence register.
"""

from collections import defaultdict, namedtuple

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


FileHash = namedtuple("FileHash", "uuid sha256")


class FigureRow:
    """An evidence item as the figures read it: its FIGURE_FIELDS as attributes, its files'
    hashes (`file_list`, what `figures.evidence_fingerprint` reads) and the few words a
    model instance would give (`str`, the source's label). Plain values: a case can hold
    hundreds of items, and building as many model instances cost more than reading them."""

    __slots__ = (*FIGURE_FIELDS, "file_list", "team_name")

    def __init__(self, values, file_list):
        for name, value in zip(FIGURE_FIELDS, values, strict=True):
            setattr(self, name, value)
        self.file_list = file_list
        self.team_name = ""

    @property
    def pk(self):
        return self.id

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def supports(self):
        return self.stance == Stance.SUPPORTS

    def get_source_display(self):
        return Source(self.source).label

    def __str__(self):
        # As EvidenceItem.__str__ says it (the influence-link choices).
        return f"{self.get_source_display()}, {self.occurred_on:%d %b %Y}: {self.summary[:60]}"


def rows_for_figures(case) -> list[FigureRow]:
    """Every item of the case (withdrawn too: the figures read each as of a moment) as a
    `FigureRow`: 2 queries, the files found through their items' case (a join, where a
    prefetch would send every item's id and build a queryset for each item)."""
    files = defaultdict(list)
    for uuid, item_id, sha256 in EvidenceFile.objects.filter(item__case=case).values_list(
        "uuid", "item_id", "sha256"
    ):
        files[item_id].append(FileHash(uuid, sha256))
    return [
        FigureRow(values, files.get(values[0], []))
        for values in EvidenceItem.objects.filter(case=case).values_list(*FIGURE_FIELDS)
    ]


def counts_of(rows) -> dict:
    """Current items per (source, stance), withdrawn and all, counted in the rows the page
    already loaded for its figures (every item of the case)."""
    row = {f"{source}__{stance}": 0 for source in Source.values for stance in Stance.values}
    withdrawn = 0
    for item in rows:
        if item.withdrawn_at is not None:
            withdrawn += 1
        else:
            row[f"{item.source}__{item.stance}"] += 1
    return {**row, "withdrawn": withdrawn, "total": len(rows)}


def latest(case, limit=LATEST) -> list:
    """The items most recently recorded, in full (who, files, withdrawal): 2 queries."""
    return list(
        EvidenceItem.objects.filter(case=case)
        .select_related("team", "category", "created_by", "withdrawn_by")
        .prefetch_related("files")
        .order_by("-created_at", "-id")[:limit]
    )


def counts(row: dict) -> dict:
    """Shape `counts_of` for the page: a row per source and the totals by stance."""
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
