"""Framework file validation: pure, no database. The file used is fictional test data."""

import copy
import json
from pathlib import Path

import pytest

from domains.framework_file import canonical_hash, validate

FICTIONAL = Path(__file__).parent / "data" / "fictional-in-the-round.json"
SAF = Path(__file__).resolve().parents[2] / "domains" / "data" / "saf-2024.json"
KNOWN = {"saf-2024": {"S1", "S2", "W1"}}


@pytest.fixture
def data():
    return json.loads(FICTIONAL.read_text(encoding="utf-8"))


def test_the_fictional_in_the_round_file_is_valid(data):
    assert validate(data, KNOWN) == []


def test_the_repositorys_saf_2024_file_is_valid_as_a_scored_framework():
    saf = json.loads(SAF.read_text(encoding="utf-8"))
    assert saf["method"] == "scored"
    assert validate(saf, {}) == []


def test_a_missing_key_question_is_named(data):
    del data["key_questions"][2]
    assert validate(data, KNOWN) == ['key_questions: missing key question "caring"']


def test_a_duplicate_code_names_its_place(data):
    data["key_questions"][2]["items"].append({"code": "TE1", "title": "Fictional copy"})
    assert validate(data, KNOWN) == [
        'key_questions[2].items[1].code: duplicate "TE1" (first at key_questions[1].items[0].code)'
    ]


def test_an_unknown_rating_in_characteristics_names_its_place(data):
    data["key_questions"][0]["items"][0]["characteristics"]["Excellent"] = "Fictional"
    assert validate(data, KNOWN) == [
        'key_questions[0].items[0].characteristics.Excellent: unknown rating "Excellent" '
        "(not in ratings)"
    ]


def test_an_unknown_method_is_named(data):
    data["method"] = "weighted"
    assert validate(data, KNOWN) == [
        'method: unknown method "weighted" (use "scored" or "in_the_round")'
    ]


def test_maps_from_to_an_unknown_item_of_the_source_framework_names_its_place(data):
    data["maps_from"]["saf-2024"]["TS1"] = ["S1", "S99"]
    assert validate(data, KNOWN) == [
        'maps_from.saf-2024.TS1[1]: unknown item "S99" of framework "saf-2024"'
    ]


def test_maps_from_an_unloaded_framework_or_for_an_item_not_in_the_file(data):
    data["maps_from"]["saf-2024"]["TX9"] = ["S1"]
    data["maps_from"]["other-2020"] = {"TS1": ["A1"]}
    assert validate(data, KNOWN) == [
        'maps_from.saf-2024.TX9: unknown item "TX9" in this file',
        'maps_from.other-2020: unknown framework "other-2020" (load it first)',
    ]


def test_ratings_of_the_wrong_type_are_named(data):
    data["ratings"] = "Good"
    errors = validate(data, KNOWN)
    assert errors[0] == "ratings: must be a list, not a string"
    # with no valid ratings, every characteristic's rating is unknown too
    assert all("unknown rating" in error for error in errors[1:])


def test_every_error_is_reported_with_its_place(data):
    del data["name"]
    data["key_questions"][1]["items"][0]["title"] = 7
    del data["key_questions"][3]["items"][0]["code"]
    data["key_questions"][4]["items"] = {}
    data["sources"] = [""]
    data["colour"] = "blue"
    errors = validate(data, KNOWN)
    assert errors == [
        "colour: unknown field",
        "name: missing",
        "sources[0]: must be a non-empty string",
        "key_questions[1].items[0].title: must be a string, not a number",
        "key_questions[3].items[0].code: missing",
        "key_questions[4].items: must be a list, not an object",
        'maps_from.saf-2024.TW1: unknown item "TW1" in this file',
    ]


def test_a_scored_file_needs_its_scale_and_bands_and_bands_use_known_ratings():
    saf = json.loads(SAF.read_text(encoding="utf-8"))
    del saf["score_scale"]
    saf["bands"][1]["rating"] = "Fine"
    assert validate(saf, {}) == [
        'score_scale: missing (required for "scored" frameworks)',
        'bands[1].rating: unknown rating "Fine" (not in ratings)',
    ]


def test_an_in_the_round_file_cannot_carry_scores(data):
    data["bands"] = []
    assert validate(data, KNOWN) == ['bands: only for "scored" frameworks']


def test_a_file_that_is_not_an_object_is_refused():
    assert validate(["x"]) == ["(file): must be a JSON object, not a list"]


def test_the_canonical_hash_ignores_key_order_and_whitespace(data):
    reordered = json.loads(json.dumps(dict(reversed(list(data.items()))), indent=4))
    assert canonical_hash(reordered) == canonical_hash(data)
    changed = copy.deepcopy(data)
    changed["key_questions"][0]["items"][0]["title"] += "."
    assert canonical_hash(changed) != canonical_hash(data)


def test_the_readme_example_is_a_valid_file():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Framework files", 1)[1].split("```json\n", 1)[1].split("```")[0]
    assert validate(json.loads(example), KNOWN) == []


def test_an_aggregation_rule_must_be_a_known_one_for_the_four_standard_ratings(data):
    data["aggregation_rule"] = "saf-2024-principles"
    assert validate(data, KNOWN) == []
    data["aggregation_rule"] = "lowest-wins"
    assert validate(data, KNOWN) == [
        'aggregation_rule: unknown rule "lowest-wins" (use saf-2024-principles, or leave it out)'
    ]
    data["aggregation_rule"] = "saf-2024-principles"
    data["ratings"] = ["Good", "Outstanding", "Requires improvement", "Inadequate"]
    assert validate(data, KNOWN) == [
        'aggregation_rule: "saf-2024-principles" needs the ratings Outstanding, Good, '
        "Requires improvement, Inadequate, in that order"
    ]


def test_a_scored_file_names_no_aggregation_rule():
    saf = json.loads(SAF.read_text(encoding="utf-8"))
    saf["aggregation_rule"] = "saf-2024-principles"
    assert validate(saf, {}) == ['aggregation_rule: only for "in_the_round" frameworks']
