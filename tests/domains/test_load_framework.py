"""manage.py load_framework: validates, loads once, refuses changes under a used slug."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from domains.framework_file import canonical_hash
from domains.models import Framework, KeyQuestion, Method, QualityStatement

pytestmark = pytest.mark.django_db

FICTIONAL = Path(__file__).parent / "data" / "fictional-in-the-round.json"
SAF = Path(__file__).resolve().parents[2] / "domains" / "data" / "saf-2024.json"


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("load_framework", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path, *args):
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("load_framework", str(path), *args, stdout=StringIO(), stderr=err)
    return str(exc.value), err.getvalue()


def counts():
    return (
        Framework.objects.count(),
        KeyQuestion.objects.count(),
        QualityStatement.objects.count(),
        list(Framework.objects.values_list("slug", "content_hash", "is_current")),
    )


def fictional():
    return json.loads(FICTIONAL.read_text(encoding="utf-8"))


def write(tmp_path, data, name="framework.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_saf_2024_is_loaded_by_the_migrations_through_the_framework_file_loader():
    saf = Framework.objects.get(slug="saf-2024")
    assert saf.method == Method.SCORED
    assert saf.is_current and saf.has_scoring
    assert saf.content_hash == canonical_hash(json.loads(SAF.read_text(encoding="utf-8")))
    assert saf.score_scale["4"] and saf.score_bands.count() == 4
    out, _ = run(SAF)
    assert "already loaded from this file; nothing to do" in out


def test_a_valid_in_the_round_file_loads(capsys):
    out, _ = run(FICTIONAL)
    assert out.startswith('Loaded framework "fictional-test-2026"')
    framework = Framework.objects.get(slug="fictional-test-2026")
    assert framework.method == Method.IN_THE_ROUND
    assert not framework.has_scoring and not framework.is_current
    assert framework.rating_labels == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert framework.aggregation_principles and framework.sources
    assert [kq.slug for kq in framework.key_questions.all()] == [
        "safe",
        "effective",
        "caring",
        "responsive",
        "well_led",
    ]
    ts1 = QualityStatement.objects.get(key_question__framework=framework, code="TS1")
    assert set(ts1.characteristics) == set(framework.rating_labels)
    assert ts1.maps_from == {"saf-2024": ["S1", "S2"]}
    ts2 = QualityStatement.objects.get(key_question__framework=framework, code="TS2")
    assert ts2.characteristics == {} and ts2.maps_from == {}
    assert not framework.score_bands.exists()
    assert Framework.objects.current().slug == "saf-2024"


def test_loading_the_same_file_twice_changes_nothing(tmp_path):
    run(FICTIONAL)
    before = counts()
    # the same content, keys reordered and indented differently
    data = fictional()
    same = write(tmp_path, dict(reversed(list(data.items()))))
    out, _ = run(same)
    assert "nothing to do" in out
    assert counts() == before


def test_a_changed_file_under_a_used_slug_is_refused(tmp_path):
    run(FICTIONAL)
    before = counts()
    data = fictional()
    data["key_questions"][0]["items"][0]["title"] = "Fictional safe line one, reworded"
    message, err = refused(write(tmp_path, data))
    assert "nothing was loaded" in message
    assert "a new version needs a new slug" in err
    assert counts() == before
    title = QualityStatement.objects.get(code="TS1").title
    assert title == "Fictional safe line one"


def test_a_changed_saf_2024_is_refused_too(tmp_path):
    data = json.loads(SAF.read_text(encoding="utf-8"))
    data["bands"][0]["to_pct"] = 40
    _, err = refused(write(tmp_path, data))
    assert 'slug: framework "saf-2024" is already loaded from a different file' in err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["key_questions"].pop(2),
            'key_questions: missing key question "caring"',
        ),
        (
            lambda d: d["key_questions"][2]["items"].append({"code": "TE1", "title": "Fictional"}),
            'key_questions[2].items[1].code: duplicate "TE1"',
        ),
        (
            lambda d: d["key_questions"][0]["items"][0]["characteristics"].update(Superb="x"),
            'key_questions[0].items[0].characteristics.Superb: unknown rating "Superb"',
        ),
        (
            lambda d: d.update(method="averaged"),
            'method: unknown method "averaged"',
        ),
        (
            lambda d: d["maps_from"]["saf-2024"].update(TS2=["S9"]),
            'maps_from.saf-2024.TS2[0]: unknown item "S9" of framework "saf-2024"',
        ),
        (
            lambda d: d["key_questions"][1].update(items="TE1"),
            "key_questions[1].items: must be a list, not a string",
        ),
        (
            lambda d: d.pop("slug"),
            "slug: missing",
        ),
    ],
    ids=[
        "missing-key-question",
        "duplicate-code",
        "unknown-rating",
        "unknown-method",
        "maps-from-unknown-item",
        "wrong-type",
        "missing-field",
    ],
)
def test_each_kind_of_invalid_file_is_refused_naming_the_place(tmp_path, change, expected):
    before = counts()
    data = fictional()
    change(data)
    message, err = refused(write(tmp_path, data))
    assert expected in err
    assert "nothing was loaded" in message
    assert counts() == before


def test_all_errors_are_printed_at_once(tmp_path):
    data = fictional()
    data["method"] = "averaged"
    data["key_questions"].pop(2)
    message, err = refused(write(tmp_path, data))
    assert message.endswith("2 error(s); nothing was loaded")
    assert err.splitlines() == [
        'method: unknown method "averaged" (use "scored" or "in_the_round")',
        'key_questions: missing key question "caring"',
    ]


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    _, err = refused(path)
    assert "not valid JSON" in err


def test_dry_run_validates_says_what_it_would_create_and_writes_nothing(tmp_path):
    before = counts()
    out, _ = run(FICTIONAL, "--dry-run")
    assert out.startswith('Dry run, nothing written. Would create framework "fictional-test-2026"')
    assert (
        "5 key questions, 6 items (5 with rating characteristics), 2 item mappings from saf-2024"
        in out
    )
    assert counts() == before
    data = fictional()
    data["method"] = "averaged"
    refused(write(tmp_path, data), "--dry-run")
    assert counts() == before


def test_a_failure_while_writing_leaves_nothing_behind(monkeypatch):
    from domains import loaders

    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    before = counts()
    monkeypatch.setattr(loaders, "_maps_by_item", fail)
    with pytest.raises(RuntimeError):
        run(FICTIONAL)
    assert counts() == before
