"""Reading quality-statement links across to a new framework through its maps_from (pure)."""

from domains import crosswalk
from domains.crosswalk import ReadAcross

# The fictional framework's items, as (code, maps_from) pairs.
ITEMS = [
    ("TS1", {"saf-2024": ["S1", "S2"]}),
    ("TS2", {}),
    ("TE1", {}),
    ("TW1", {"saf-2024": ["W1"]}),
]


def test_it_reads_links_across_to_the_items_that_replace_them_in_the_new_order():
    assert crosswalk.read_across("saf-2024", ["W1", "S2", "S1"], ITEMS) == [
        ReadAcross("TS1", ("S1", "S2")),
        ReadAcross("TW1", ("W1",)),
    ]


def test_it_names_only_the_old_codes_an_item_came_from():
    assert crosswalk.read_across("saf-2024", ["S2", "W5"], ITEMS) == [ReadAcross("TS1", ("S2",))]


def test_it_carries_nothing_from_a_framework_the_new_one_does_not_map_from():
    assert crosswalk.read_across("other-2020", ["S1", "W1"], ITEMS) == []
    assert not crosswalk.maps_from("other-2020", ITEMS)
    assert crosswalk.maps_from("saf-2024", ITEMS)


def test_it_lists_the_old_codes_that_are_not_carried():
    assert crosswalk.not_carried("saf-2024", ["W2", "S1", "W5"], ITEMS) == ["W2", "W5"]


def test_key_question_links_carry_across_as_they_are():
    target = ["safe", "effective", "caring", "responsive", "well_led"]
    assert crosswalk.key_questions_across({"well_led", "safe"}, target) == ["safe", "well_led"]
    assert crosswalk.key_questions_across([], target) == []
