"""Reading links across from one framework version to another. Pure Python, no database.

A framework file's `maps_from` says which items of an earlier framework each of its items
replaces (`{"saf-2024": {"TS1": ["S1", "S2"]}}`, stored on each item as
`{"saf-2024": ["S1", "S2"]}`). When a location switches framework, the quality-statement
links of its domains and cases are read across through that mapping, never rewritten: the
links stay on the items they were made against, so the history stays as it was.
Key-question links carry across as they are: the five key questions are the same in every
version, so a key question is matched by its slug.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ReadAcross:
    """One item of the new framework and the items of the old one it was read from."""

    code: str
    from_codes: tuple[str, ...]


def maps_from(source_slug: str, items: Iterable[tuple[str, Mapping]]) -> bool:
    """Whether any of the new framework's items, (code, maps_from) pairs, maps from
    `source_slug`."""
    return any(source_slug in (mapping or {}) for _, mapping in items)


def read_across(
    source_slug: str, source_codes: Iterable[str], items: Sequence[tuple[str, Mapping]]
) -> list[ReadAcross]:
    """The new framework's items that replace any of `source_codes` of framework
    `source_slug`, in the new framework's order, each with the old codes it came from.

    `items` are the new framework's items as (code, maps_from) pairs. An old code that no new
    item maps from is simply not carried (see `not_carried`); a code of the new framework
    itself (a link already made against it) is kept as it is.
    """
    wanted = set(source_codes)
    found = []
    for code, mapping in items:
        sources = tuple(c for c in (mapping or {}).get(source_slug, ()) if c in wanted)
        if sources:
            found.append(ReadAcross(code, sources))
    return found


def not_carried(
    source_slug: str, source_codes: Iterable[str], items: Sequence[tuple[str, Mapping]]
) -> list[str]:
    """The old codes no item of the new framework maps from, in the order given."""
    carried = {c for r in read_across(source_slug, source_codes, items) for c in r.from_codes}
    return [code for code in source_codes if code not in carried]


def key_questions_across(source_slugs: Iterable[str], target_slugs: Sequence[str]) -> list[str]:
    """Key-question links carry across as they are: the target's key questions with the
    same slugs, in the target's order."""
    wanted = set(source_slugs)
    return [slug for slug in target_slugs if slug in wanted]
