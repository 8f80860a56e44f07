"""Load versioned reference data from the JSON files in domains/data.

Used by data migrations (with historical models) and by `manage.py load_reference`.
Loading is idempotent: running it again updates rows in place. Framework files are checked by
domains/framework_file.py first, whoever loads them (data migration or `load_framework`).
"""

import json
from pathlib import Path

from django.db import transaction

from domains.framework_file import FrameworkFileError, canonical_hash, validate

DATA_DIR = Path(__file__).resolve().parent / "data"


def _read(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


class FrameworkSlugInUse(FrameworkFileError):
    """A different file was loaded under this slug before: a new version needs a new slug."""


def known_items(apps):
    """{framework slug: set of item codes} for every framework loaded (checks maps_from)."""
    QualityStatement = apps.get_model("domains", "QualityStatement")
    known = {}
    for slug, code in QualityStatement.objects.values_list("key_question__framework__slug", "code"):
        known.setdefault(slug, set()).add(code)
    return known


def check_framework_data(apps, data):
    """Validates a parsed framework file against the loaded frameworks.

    Returns (framework already loaded from this very file?, content hash). Raises
    FrameworkFileError listing every error, or FrameworkSlugInUse for a changed file under a
    slug already in use.
    """
    errors = validate(data, known_items(apps))
    if errors:
        raise FrameworkFileError(errors)
    Framework = apps.get_model("domains", "Framework")
    content_hash = canonical_hash(data)
    existing = Framework.objects.filter(slug=data["slug"]).first()
    if existing is None:
        return False, content_hash
    if getattr(existing, "content_hash", "") == content_hash:
        return True, content_hash
    raise FrameworkSlugInUse(
        [
            f'slug: framework "{data["slug"]}" is already loaded from a different file; '
            "a new version needs a new slug"
        ]
    )


def load_framework_data(apps, data, *, make_current=False, adopt=False):
    """Validates and loads a parsed framework file; returns (framework, created).

    Loading the same file again changes nothing. `adopt` (data migrations only) updates a
    framework loaded before content hashes existed, or from an earlier form of the
    repository's own file, in place instead of refusing it.
    """
    Framework = apps.get_model("domains", "Framework")
    try:
        unchanged, content_hash = check_framework_data(apps, data)
    except FrameworkSlugInUse:
        if not adopt:
            raise
        unchanged, content_hash = False, canonical_hash(data)
    if unchanged and not make_current:
        return Framework.objects.get(slug=data["slug"]), False
    with transaction.atomic():
        framework, created = _write(apps, data, content_hash, make_current)
    return framework, created


def _write(apps, data, content_hash, make_current):
    Framework = apps.get_model("domains", "Framework")
    KeyQuestion = apps.get_model("domains", "KeyQuestion")
    QualityStatement = apps.get_model("domains", "QualityStatement")
    EvidenceCategory = apps.get_model("domains", "EvidenceCategory")
    ScoreBand = apps.get_model("domains", "ScoreBand")

    if make_current:
        Framework.objects.filter(is_current=True).exclude(slug=data["slug"]).update(
            is_current=False
        )
    defaults = {
        "name": data["name"],
        "status_note": data.get("status_note", ""),
        "method": data["method"],
        "content_hash": content_hash,
        "has_scoring": data["method"] == "scored",
        "rating_labels": data["ratings"],
        "score_scale": data.get("score_scale", {}),
        "key_question_scoring": data.get("key_question_scoring", ""),
        "aggregation_principles": data.get("aggregation_principles", []),
        "aggregation_rule": data.get("aggregation_rule", ""),
        "band_gaps_note": data.get("band_gaps_note", ""),
        "score_limiters_note": data.get("score_limiters_note", ""),
        "well_led_limiters": data.get("well_led_limiters", []),
        "sources": data.get("sources", []),
    }
    if make_current:
        defaults["is_current"] = True
    framework, created = Framework.objects.update_or_create(
        slug=data["slug"], defaults=_known_fields(Framework, defaults)
    )
    maps = _maps_by_item(data)
    for kq_order, kq in enumerate(data["key_questions"], start=1):
        key_question, _ = KeyQuestion.objects.update_or_create(
            framework=framework, slug=kq["slug"], defaults={"name": kq["name"], "order": kq_order}
        )
        for item_order, item in enumerate(kq["items"], start=1):
            QualityStatement.objects.update_or_create(
                key_question=key_question,
                code=item["code"],
                defaults=_known_fields(
                    QualityStatement,
                    {
                        "title": item["title"],
                        "order": item_order,
                        "characteristics": item.get("characteristics", {}),
                        "maps_from": maps.get(item["code"], {}),
                    },
                ),
            )
    for order, name in enumerate(data.get("evidence_categories", []), start=1):
        EvidenceCategory.objects.update_or_create(
            framework=framework, name=name, defaults={"order": order}
        )
    for band in data.get("bands", []):
        ScoreBand.objects.update_or_create(
            framework=framework,
            rating=band["rating"],
            defaults={"from_pct": band["from_pct"], "to_pct": band["to_pct"]},
        )
    return framework, created


def _maps_by_item(data):
    """The file's {source: {item: [source items]}} turned into {item: {source: [items]}}."""
    by_item = {}
    for source, mapping in data.get("maps_from", {}).items():
        for code, source_codes in mapping.items():
            by_item.setdefault(code, {})[source] = source_codes
    return by_item


def _known_fields(model, values):
    """Only the fields the model has: an early data migration runs with the models of its
    time, before later fields (method, content_hash, characteristics, ...) existed; a later
    migration loads the same file again to fill them in."""
    names = {field.name for field in model._meta.get_fields()}
    return {key: value for key, value in values.items() if key in names}


def load_framework(apps, filename="saf-2024.json", *, make_current=True):
    """Loads one of the repository's own framework files (data migrations, test set-up)."""
    framework, _ = load_framework_data(apps, _read(filename), make_current=make_current, adopt=True)
    return framework


def load_catalogue(apps, filename="domain_catalogue.json", framework_slug="saf-2024"):
    Domain = apps.get_model("domains", "Domain")
    StepTemplate = apps.get_model("domains", "StepTemplate")
    KeyQuestion = apps.get_model("domains", "KeyQuestion")
    QualityStatement = apps.get_model("domains", "QualityStatement")

    key_questions = {
        kq.slug: kq for kq in KeyQuestion.objects.filter(framework__slug=framework_slug)
    }
    statements = {
        qs.code: qs
        for qs in QualityStatement.objects.filter(key_question__framework__slug=framework_slug)
    }
    for order, item in enumerate(_read(filename)["domains"], start=1):
        suggested = [
            {**ind, "frontline": False} for ind in item.get("leadership_indicators", [])
        ] + [{**ind, "frontline": True} for ind in item.get("frontline_indicators", [])]
        domain, _ = Domain.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "summary": item.get("summary", ""),
                "order": order * 10,
                "default_wider_areas": item.get("default_wider_areas", []),
                "warning_signs": item.get("warning_signs", []),
                "escalation_actions": item.get("escalation_actions", []),
                "suggested_indicators": suggested,
            },
        )
        domain.key_questions.set([key_questions[s] for s in item.get("key_questions", [])])
        domain.quality_statements.set([statements[c] for c in item.get("quality_statements", [])])
        for step in item["steps"]:
            StepTemplate.objects.update_or_create(
                domain=domain,
                number=step["number"],
                defaults={
                    "role": step["role"],
                    "artefact_label": step["artefact_label"],
                    "prompts": step.get("prompts", []),
                },
            )
