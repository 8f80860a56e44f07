"""Framework version files: validation and canonical hash. Pure Python, no database.

`validate(data, known_items=...)` returns a list of errors, each naming its place in the file
(`key_questions[2].items[4].code: duplicate "E3"`). An empty list means the file can load.
`known_items` maps the slug of each framework already loaded to the set of its item codes,
so that `maps_from` can be checked against the framework it maps from; it is the only thing
the caller has to read from the database.
"""

import hashlib
import json
import re

METHODS = ("scored", "in_the_round")
KEY_QUESTIONS = ("safe", "effective", "caring", "responsive", "well_led")
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")

# Lengths the database columns allow.
MAX_SLUG = 40
MAX_NAME = 200
MAX_KQ_NAME = 60
MAX_CODE = 8
MAX_TITLE = 200
MAX_CATEGORY = 80
MAX_RATING = 40

TOP_LEVEL = {
    "slug",
    "name",
    "method",
    "ratings",
    "key_questions",
    "aggregation_principles",
    "aggregation_rule",
    "maps_from",
    "sources",
    "status_note",
    "evidence_categories",
    "service_types",
    "codes_note",
    # scored frameworks only
    "score_scale",
    "key_question_scoring",
    "bands",
    "band_gaps_note",
    "score_limiters_note",
    "well_led_limiters",
}
# Machine-usable aggregation rules an in-the-round file may name, and what each is. The
# rules themselves are the pure functions of domains/rating.py; a file names one only when
# its own aggregation principles are the same as that rule's.
AGGREGATION_RULES = {
    "saf-2024-principles": (
        "the adult social care aggregation principles of SAF 2024, as domains/rating.py "
        "applies them to five key-question ratings"
    ),
}
STANDARD_RATINGS = ["Outstanding", "Good", "Requires improvement", "Inadequate"]

SCORED_ONLY = (
    "score_scale",
    "key_question_scoring",
    "bands",
    "band_gaps_note",
    "score_limiters_note",
    "well_led_limiters",
)


class FrameworkFileError(Exception):
    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def canonical_hash(data):
    """SHA-256 of the content, independent of key order and whitespace."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read(path):
    """The parsed file, or FrameworkFileError if it is not a JSON object."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise FrameworkFileError([f"{path}: cannot read ({exc.strerror})"]) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise FrameworkFileError([f"{path}: not valid JSON ({exc})"]) from exc
    return data


class _Checker:
    def __init__(self):
        self.errors = []

    def fields(self, value, place, allowed) -> bool:
        """Whether `value` is an object (else an error); unknown fields are errors too."""
        if not isinstance(value, dict):
            self.error(place, f"must be an object, not {_type(value)}")
            return False
        for key in sorted(set(value) - set(allowed)):
            self.error(f"{place}.{key}", "unknown field")
        return True

    def error(self, place, message):
        self.errors.append(f"{place}: {message}")

    def string(self, obj, key, place, *, max_length, required=True, slug=False):
        value = obj.get(key)
        where = f"{place}.{key}" if place else key
        if value is None:
            if required:
                self.error(where, "missing")
            return None
        if not isinstance(value, str):
            self.error(where, f"must be a string, not {_type(value)}")
            return None
        if required and not value.strip():
            self.error(where, "must not be empty")
            return None
        if len(value) > max_length:
            self.error(where, f"longer than {max_length} characters")
        if slug and not SLUG_RE.match(value):
            self.error(where, f'"{value}" is not a slug (letters, digits, - and _ only)')
        return value

    def string_list(self, obj, key, place="", *, required=False, max_length=None):
        value = obj.get(key)
        where = f"{place}.{key}" if place else key
        if value is None:
            if required:
                self.error(where, "missing")
            return []
        if not isinstance(value, list):
            self.error(where, f"must be a list, not {_type(value)}")
            return []
        good = []
        for index, entry in enumerate(value):
            if not isinstance(entry, str) or not entry.strip():
                self.error(f"{where}[{index}]", "must be a non-empty string")
            elif max_length and len(entry) > max_length:
                self.error(f"{where}[{index}]", f"longer than {max_length} characters")
            else:
                good.append(entry)
        return good


def _type(value):
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), "null")


def validate(data, known_items=None):
    """All the errors in a framework file, each naming its place; [] if it can load."""
    known_items = known_items or {}
    check = _Checker()
    if not isinstance(data, dict):
        return [f"(file): must be a JSON object, not {_type(data)}"]

    for key in sorted(set(data) - TOP_LEVEL):
        check.error(key, "unknown field")

    slug = check.string(data, "slug", "", max_length=MAX_SLUG, slug=True)
    check.string(data, "name", "", max_length=MAX_NAME)
    method = data.get("method")
    if method is None:
        check.error("method", "missing")
    elif method not in METHODS:
        check.error("method", f'unknown method "{method}" (use "scored" or "in_the_round")')

    ratings = check.string_list(data, "ratings", required=True, max_length=MAX_RATING)
    if "ratings" in data and isinstance(data["ratings"], list) and not data["ratings"]:
        check.error("ratings", "must list at least one rating")
    seen = set()
    for index, rating in enumerate(ratings):
        if rating in seen:
            check.error(f"ratings[{index}]", f'duplicate "{rating}"')
        seen.add(rating)
    ratings = set(ratings)

    for key in ("aggregation_principles", "sources", "service_types", "well_led_limiters"):
        check.string_list(data, key)
    check.string_list(data, "evidence_categories", max_length=MAX_CATEGORY)
    for key in ("status_note", "codes_note", "key_question_scoring"):
        check.string(data, key, "", max_length=100_000, required=False)
    for key in ("band_gaps_note", "score_limiters_note"):
        check.string(data, key, "", max_length=100_000, required=False)

    _check_aggregation_rule(check, data, method)
    codes = _check_key_questions(check, data, ratings)
    _check_scoring(check, data, method, ratings)
    _check_maps_from(check, data, slug, codes, known_items)
    return check.errors


def _check_aggregation_rule(check, data, method):
    rule = data.get("aggregation_rule")
    if rule is None:
        return
    if method == "scored":
        check.error("aggregation_rule", 'only for "in_the_round" frameworks')
    elif not isinstance(rule, str) or rule not in AGGREGATION_RULES:
        check.error(
            "aggregation_rule",
            f'unknown rule "{rule}" (use {", ".join(AGGREGATION_RULES)}, or leave it out)',
        )
    elif data.get("ratings") != STANDARD_RATINGS:
        check.error(
            "aggregation_rule",
            f'"{rule}" needs the ratings {", ".join(STANDARD_RATINGS)}, in that order',
        )


def _check_key_questions(check, data, ratings):
    """Checks key questions and their items; returns the set of item codes."""
    codes = {}
    key_questions = data.get("key_questions")
    if key_questions is None:
        check.error("key_questions", "missing")
        return set()
    if not isinstance(key_questions, list):
        check.error("key_questions", f"must be a list, not {_type(key_questions)}")
        return set()
    present = set()
    for kq_index, kq in enumerate(key_questions):
        place = f"key_questions[{kq_index}]"
        if not check.fields(kq, place, {"slug", "name", "items"}):
            continue
        kq_slug = check.string(kq, "slug", place, max_length=MAX_SLUG)
        if kq_slug is not None:
            if kq_slug not in KEY_QUESTIONS:
                check.error(
                    f"{place}.slug",
                    f'unknown key question "{kq_slug}" (use {", ".join(KEY_QUESTIONS)})',
                )
            elif kq_slug in present:
                check.error(f"{place}.slug", f'duplicate "{kq_slug}"')
            present.add(kq_slug)
        check.string(kq, "name", place, max_length=MAX_KQ_NAME)
        items = kq.get("items")
        if items is None:
            check.error(f"{place}.items", "missing")
            continue
        if not isinstance(items, list):
            check.error(f"{place}.items", f"must be a list, not {_type(items)}")
            continue
        if not items:
            check.error(f"{place}.items", "must list at least one item")
        for item_index, item in enumerate(items):
            _check_item(check, item, f"{place}.items[{item_index}]", ratings, codes)
    for missing in KEY_QUESTIONS:
        if missing not in present:
            check.error("key_questions", f'missing key question "{missing}"')
    return set(codes)


def _check_item(check, item, place, ratings, codes):
    if not check.fields(item, place, {"code", "title", "characteristics"}):
        return
    code = check.string(item, "code", place, max_length=MAX_CODE)
    if code is not None:
        if code in codes:
            check.error(f"{place}.code", f'duplicate "{code}" (first at {codes[code]})')
        else:
            codes[code] = f"{place}.code"
    check.string(item, "title", place, max_length=MAX_TITLE)
    characteristics = item.get("characteristics")
    if characteristics is None:
        return
    if not isinstance(characteristics, dict):
        check.error(f"{place}.characteristics", f"must be an object, not {_type(characteristics)}")
        return
    for rating, text in characteristics.items():
        where = f"{place}.characteristics.{rating}"
        if rating not in ratings:
            check.error(where, f'unknown rating "{rating}" (not in ratings)')
        if not isinstance(text, str) or not text.strip():
            check.error(where, "must be a non-empty string")


def _check_scoring(check, data, method, ratings):
    if method == "in_the_round":
        for key in SCORED_ONLY:
            if key in data:
                check.error(key, 'only for "scored" frameworks')
        return
    if method != "scored":
        return
    scale = data.get("score_scale")
    if scale is None:
        check.error("score_scale", 'missing (required for "scored" frameworks)')
    elif not isinstance(scale, dict) or not scale:
        check.error("score_scale", "must be a non-empty object of score to meaning")
    else:
        for score, meaning in scale.items():
            if not score.isdigit():
                check.error(f"score_scale.{score}", "score must be a whole number")
            if not isinstance(meaning, str) or not meaning.strip():
                check.error(f"score_scale.{score}", "must be a non-empty string")
    bands = data.get("bands")
    if bands is None:
        check.error("bands", 'missing (required for "scored" frameworks)')
        return
    if not isinstance(bands, list) or not bands:
        check.error("bands", "must be a non-empty list")
        return
    seen = set()
    for index, band in enumerate(bands):
        place = f"bands[{index}]"
        if not check.fields(band, place, {"rating", "from_pct", "to_pct"}):
            continue
        rating = check.string(band, "rating", place, max_length=MAX_RATING)
        if rating is not None:
            if rating not in ratings:
                check.error(f"{place}.rating", f'unknown rating "{rating}" (not in ratings)')
            elif rating in seen:
                check.error(f"{place}.rating", f'duplicate "{rating}"')
            seen.add(rating)
        bounds = []
        for key in ("from_pct", "to_pct"):
            value = band.get(key)
            if value is None:
                check.error(f"{place}.{key}", "missing")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                check.error(f"{place}.{key}", f"must be a number, not {_type(value)}")
            elif not 0 <= value <= 100:
                check.error(f"{place}.{key}", "must be between 0 and 100")
            else:
                bounds.append(value)
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            check.error(place, "from_pct is above to_pct")


def _check_maps_from(check, data, slug, codes, known_items):
    maps_from = data.get("maps_from")
    if maps_from is None:
        return
    if not isinstance(maps_from, dict):
        check.error("maps_from", f"must be an object, not {_type(maps_from)}")
        return
    for source, mapping in maps_from.items():
        place = f"maps_from.{source}"
        if source == slug:
            check.error(place, "a framework cannot map from itself")
            continue
        if source not in known_items:
            check.error(place, f'unknown framework "{source}" (load it first)')
            continue
        if not isinstance(mapping, dict):
            check.error(
                place, f"must be an object of item code to source codes, not {_type(mapping)}"
            )
            continue
        for code, source_codes in mapping.items():
            where = f"{place}.{code}"
            if code not in codes:
                check.error(where, f'unknown item "{code}" in this file')
            if not isinstance(source_codes, list) or not source_codes:
                check.error(where, "must be a non-empty list of item codes")
                continue
            for index, source_code in enumerate(source_codes):
                if not isinstance(source_code, str):
                    check.error(f"{where}[{index}]", f"must be a string, not {_type(source_code)}")
                elif source_code not in known_items[source]:
                    check.error(
                        f"{where}[{index}]",
                        f'unknown item "{source_code}" of framework "{source}"',
                    )


def summary(data):
    """What loading the file creates, in words (for --dry-run and the command's output)."""
    items = sum(len(kq["items"]) for kq in data["key_questions"])
    with_characteristics = sum(
        1 for kq in data["key_questions"] for item in kq["items"] if item.get("characteristics")
    )
    parts = [
        f'framework "{data["slug"]}" ({data["name"]}), method {data["method"]}',
        f"{len(data['key_questions'])} key questions",
        f"{items} items ({with_characteristics} with rating characteristics)",
    ]
    if data.get("evidence_categories"):
        parts.append(f"{len(data['evidence_categories'])} evidence categories")
    if data.get("bands"):
        parts.append(f"{len(data['bands'])} score bands")
    mapped = sum(len(mapping) for mapping in data.get("maps_from", {}).values())
    if mapped:
        parts.append(f"{mapped} item mappings from {', '.join(data['maps_from'])}")
    return ", ".join(parts)
