"""Shapes the case page and the reports both show, so the two never drift apart."""

from assurance.casework.forms import STEP_FORMS
from evidence.models import Source, Stance


def artefact_rows(step):
    """(label, value) pairs of a step's saved artefact, in the form's field order."""
    form_class = STEP_FORMS[step.number]
    rows = []
    for name, field in form_class.base_fields.items():
        if name in {
            "version",
            "level",
            "key_questions",
            "not_yet",
            "rationale",
            "escalate",
            "overclaim_justification",
        }:
            continue
        value = step.data.get(name)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(value)
        rows.append((field.label, value))
    return rows


def corroboration_grid(case, evidence, links):
    """Wider areas x the four sources: supporting / contradicting counts of current evidence
    linked to each area, plus a row for all current evidence."""
    sources = list(Source)
    by_id = {item.id: item for item in evidence if not item.is_withdrawn}
    rows = []
    link_by_area = {link.area: link for link in links}
    areas = list(case.wider_areas) + [a for a in link_by_area if a not in case.wider_areas]

    def counts(items):
        cells = []
        for source in sources:
            chosen = [i for i in items if i.source == source]
            cells.append(
                {
                    "supports": sum(1 for i in chosen if i.stance == Stance.SUPPORTS),
                    "contradicts": sum(1 for i in chosen if i.stance == Stance.CONTRADICTS),
                }
            )
        return cells

    for area in areas:
        link = link_by_area.get(area)
        items = [by_id[e.id] for e in link.evidence.all() if e.id in by_id] if link else []
        rows.append({"area": area, "link": link, "cells": counts(items)})
    return {"sources": sources, "rows": rows, "total": counts(list(by_id.values()))}
