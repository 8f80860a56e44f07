"""Load versioned reference data from the JSON files in domains/data.

Used by data migrations (with historical models) and by `manage.py load_reference`.
Loading is idempotent: running it again updates rows in place.
"""

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def _read(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def load_framework(apps, filename="saf-2024.json", *, make_current=True):
    Framework = apps.get_model("domains", "Framework")
    KeyQuestion = apps.get_model("domains", "KeyQuestion")
    QualityStatement = apps.get_model("domains", "QualityStatement")
    EvidenceCategory = apps.get_model("domains", "EvidenceCategory")
    ScoreBand = apps.get_model("domains", "ScoreBand")

    data = _read(filename)
    if make_current:
        Framework.objects.filter(is_current=True).exclude(slug=data["version"]).update(
            is_current=False
        )
    framework, _ = Framework.objects.update_or_create(
        slug=data["version"],
        defaults={
            "name": data["framework"],
            "status_note": data.get("status_note", ""),
            "is_current": make_current,
            "has_scoring": bool(data.get("percentage_bands")),
            "rating_labels": data.get("rating_labels", []),
            "score_scale": data.get("score_scale", {}),
            "key_question_scoring": data.get("key_question_scoring", ""),
            "aggregation_principles": data.get("overall_aggregation_principles", []),
            "band_gaps_note": data.get("band_gaps_note", ""),
            "score_limiters_note": data.get("score_limiters_note", ""),
            "well_led_limiters": data.get("well_led_limiters", []),
            "sources": data.get("sources", []),
        },
    )
    for kq_order, kq in enumerate(data["key_questions"], start=1):
        key_question, _ = KeyQuestion.objects.update_or_create(
            framework=framework, slug=kq["slug"], defaults={"name": kq["name"], "order": kq_order}
        )
        for qs_order, qs in enumerate(kq["quality_statements"], start=1):
            QualityStatement.objects.update_or_create(
                key_question=key_question,
                code=qs["code"],
                defaults={"title": qs["title"], "order": qs_order},
            )
    for order, name in enumerate(data.get("evidence_categories", []), start=1):
        EvidenceCategory.objects.update_or_create(
            framework=framework, name=name, defaults={"order": order}
        )
    for band in data.get("percentage_bands", []):
        ScoreBand.objects.update_or_create(
            framework=framework,
            rating=band["rating"],
            defaults={"from_pct": band["from_pct"], "to_pct": band["to_pct"]},
        )
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
