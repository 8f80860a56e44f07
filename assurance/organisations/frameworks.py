"""Which framework version each location is assessed against, on any date.

The newest FrameworkAssignment in effect on the day (and recorded by the moment asked
about, so a report for a past cut-off never sees a switch recorded later) is the location's
framework; a location without one is assessed against the current framework.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from assurance.organisations.models import FrameworkAssignment
from domains.models import Framework


@dataclass(frozen=True)
class Assessed:
    """A location's framework at a moment, and the switch that set it (None: the default)."""

    framework: Framework | None
    assignment: FrameworkAssignment | None

    @property
    def since(self) -> date | None:
        return self.assignment.effective_on if self.assignment else None


def frameworks_for(locations, as_of=None, *, day=None) -> dict:
    """{location id: Assessed} for several locations at `as_of` (default: now): at most two
    queries. `day`: the framework in effect on another day, as recorded by `as_of`."""
    as_of = as_of or timezone.now()
    locations = list(locations)
    chosen = {}
    for row in (
        FrameworkAssignment.objects.as_of(as_of, day)
        .filter(location__in=locations)
        .select_related("framework", "recorded_by")
    ):
        chosen.setdefault(row.location_id, row)
    default = None
    if any(loc.id not in chosen for loc in locations):
        default = Framework.objects.current()
    return {
        loc.id: Assessed(chosen[loc.id].framework, chosen[loc.id])
        if loc.id in chosen
        else Assessed(default, None)
        for loc in locations
    }


def assessed(location, as_of=None) -> Assessed:
    return frameworks_for([location], as_of)[location.id]


def framework_for(location, as_of=None) -> Framework | None:
    """The framework `location` is assessed against at `as_of` (default: now)."""
    return assessed(location, as_of).framework


def switches(location, as_of=None) -> list:
    """Every switch of `location` recorded by `as_of`, newest first (the history)."""
    as_of = as_of or timezone.now()
    return list(
        FrameworkAssignment.objects.filter(location=location, recorded_at__lte=as_of)
        .select_related("framework", "recorded_by")
        .order_by("-effective_on", "-recorded_at", "-id")
    )
