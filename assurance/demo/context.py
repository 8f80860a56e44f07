"""What every part of the demo seed shares: the data files, "today", and who is who.

The narrative itself lives in `data/` (see `data/README.md`). Dates there are offsets from
the day the seed runs, so the files stay valid any day: `{"days_ago": 40}` or
`{"days_ahead": 14}`.
"""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from assurance.cases.models import ImprovementCase
from assurance.organisations.access import roles_at_location
from domains.models import EvidenceCategory, Framework

DATA_DIR = Path(__file__).resolve().parent / "data"


def read(name: str):
    """One data file, by its path under `data/`."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def case_specs() -> list[dict]:
    """The worked cases, in the order they are built (their file names sort that way)."""
    return [read(f"cases/{path.name}") for path in sorted((DATA_DIR / "cases").glob("*.json"))]


def evidence_upload(spec: dict, occurred_on: date) -> SimpleUploadedFile:
    """An evidence file from `data/files/`. A template's `{occurred_on:...}` fields are filled
    in with the date of the evidence item it belongs to."""
    content = (DATA_DIR / "files" / spec["name"]).read_bytes()
    if spec.get("template"):
        content = content.decode("utf-8").format(occurred_on=occurred_on).encode("utf-8")
    return SimpleUploadedFile(spec["name"], content, content_type=spec["content_type"])


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)

    def note(self, obj, created):
        if created:
            self.created.append(f"{type(obj).__name__}: {obj}")


@dataclass
class Demo:
    """The seed's state: the day it runs, the demo people and places, the cases' specs."""

    today: date
    result: DemoResult = field(default_factory=DemoResult)
    users: dict = field(default_factory=dict)  # username -> user
    locations: dict = field(default_factory=dict)  # location name -> Location
    cases: dict = field(default_factory=dict)  # case key -> its spec from data/cases/
    _teams: dict = field(default_factory=dict, repr=False)  # location pk -> {name: team}
    _categories: dict = field(default_factory=dict, repr=False)  # name -> category

    def day(self, spec: dict) -> date:
        """The date a `days_ago` or `days_ahead` offset stands for."""
        if "days_ahead" in spec:
            return self.today + timedelta(days=spec["days_ahead"])
        return self.today - timedelta(days=spec["days_ago"])

    def roles(self, username, location):
        return roles_at_location(self.users[username], location)

    def team(self, location, name):
        """The active team of that name at the location (None for no name)."""
        if not name:
            return None
        if location.pk not in self._teams:
            self._teams[location.pk] = {t.name: t for t in location.teams.active()}
        return self._teams[location.pk][name]

    def category(self, name):
        """The current framework's evidence category of that name."""
        if name not in self._categories:
            self._categories[name] = EvidenceCategory.objects.get(
                framework=Framework.objects.current(), name=name
            )
        return self._categories[name]

    def case(self, key):
        """The case built from spec `key`, or None when it is not there."""
        spec = self.cases[key]
        return (
            ImprovementCase.objects.filter(
                location=self.locations[spec["location"]], title=spec["title"]
            )
            .select_related("location__provider", "domain")
            .first()
        )
