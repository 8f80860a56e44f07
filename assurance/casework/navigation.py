"""Finding one's way round a long case page: the contents, the five steps as progress, and
which sections are folded away. Pure: plain data in, plain data out."""

from dataclasses import dataclass

# The sections of the case page a person may fold away, in page order (the ids of their
# <section> elements).
SECTIONS = (
    "summary",
    "readiness",
    "indicators",
    "steps",
    "evidence",
    "links",
    "escalations",
    "timeline",
)

COMPLETED = "completed"
IN_PROGRESS = "in progress"
NOT_STARTED = "not started"


@dataclass(frozen=True)
class ProgressStep:
    number: int
    total: int
    role: str
    label: str
    state: str  # COMPLETED, IN_PROGRESS or NOT_STARTED

    @property
    def text(self) -> str:
        return f"Step {self.number} of {self.total}: {self.role} — {self.state}"

    @property
    def css(self) -> str:
        return self.state.replace(" ", "-")

    @property
    def is_current(self) -> bool:
        return self.state == IN_PROGRESS


def progress(steps, *, current_step: int, active: bool) -> list[ProgressStep]:
    """`steps`: (number, role label, artefact label, completed) in order. The current step is
    in progress while the case is open or under review; on a closed case nothing is."""
    total = len(steps)
    out = []
    for number, role, label, completed in steps:
        if completed:
            state = COMPLETED
        elif active and number == current_step:
            state = IN_PROGRESS
        else:
            state = NOT_STARTED
        out.append(ProgressStep(number, total, role, label, state))
    return out


@dataclass(frozen=True)
class Entry:
    anchor: str
    title: str
    note: str = ""
    children: tuple = ()


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def contents(
    *,
    steps_completed: int,
    steps_total: int,
    indicators: int,
    evidence_total: int,
    evidence_current: int,
    links: int,
    checks: int,
    actions: int,
    judgement: str,
    escalations: int,
    escalations_open: int,
    changes: int,
    closing: str = "",
) -> list[Entry]:
    """The contents list at the top of the case page, with a count beside each section."""
    entries = [
        Entry("summary", "Summary"),
        Entry("readiness", "What the evidence supports"),
        Entry("indicators", "Indicators", _n(indicators, "indicator")),
        Entry(
            "steps",
            "The five steps",
            f"{steps_completed} of {steps_total} completed",
            children=(
                Entry("step-2", "Influence links recorded in step 2", _n(links, "link")),
                Entry("step-3", "Practice checks", _n(checks, "check")),
                Entry("step-4", "Embedding actions", _n(actions, "action")),
                Entry("step-5", "Judgement", judgement or "not yet recorded"),
            ),
        ),
        Entry(
            "evidence",
            "Evidence",
            f"{_n(evidence_total, 'item')}, {evidence_current} current",
        ),
        Entry("links", "Influence links", _n(links, "link")),
        Entry(
            "escalations",
            "Escalations",
            f"{_n(escalations, 'escalation')}, {escalations_open} open" if escalations else "none",
        ),
        Entry("timeline", "History", _n(changes, "recorded change")),
    ]
    if closing:
        entries.append(Entry(closing, "Close or withdraw" if closing == "close" else "Reopen"))
    return entries


def open_sections(closed, *, reveal: str = "", all_open: bool = False) -> dict[str, bool]:
    """{section: open?} from the sections a person folded away. A section holding what was
    just saved (`reveal`, an anchor) or a form with errors (`all_open`) always opens."""
    closed = set(closed or ()) & set(SECTIONS)
    if all_open:
        closed = set()
    if reveal:
        closed.discard(section_of(reveal))
    return {section: section not in closed for section in SECTIONS}


def section_of(anchor: str) -> str:
    """The section an anchor on the case page sits in."""
    if anchor.startswith("step-") or anchor == "judgement":
        return "steps"
    if anchor.startswith("evidence"):
        return "evidence"
    return anchor


def clean_closed(values) -> list[str]:
    """Known section names only, once each, in page order."""
    wanted = set(values)
    return [section for section in SECTIONS if section in wanted]
