"""Separation of duties in the step rules, pure: the same-person note and the provider
setting requiring different people for steps 1, 2 and 3."""

from dataclasses import replace

from assurance.cases import workflow as wf
from domains.roles import Role

ROLES = [
    Role.QUALITY_LEAD,
    Role.REGISTERED_MANAGER,
    Role.DEPUTY_MANAGER,
    Role.TEAM_LEADER,
    Role.REGISTERED_MANAGER,
]


def _case(completed_by, *, distinct=False, allow_self=False):
    """`completed_by`: person id per completed step, in order."""
    steps = tuple(
        wf.StepState(
            number=n,
            role=ROLES[n - 1],
            label=f"Artefact {n}",
            completed=n <= len(completed_by),
            completed_by_id=completed_by[n - 1] if n <= len(completed_by) else None,
        )
        for n in range(1, 6)
    )
    return wf.CaseState(
        status=wf.OPEN,
        steps=steps,
        allow_self_validation=allow_self,
        distinct_people_first_steps=distinct,
    )


def test_it_says_nothing_when_each_step_had_its_own_person():
    assert wf.same_person_notes([(1, 1, "Ann"), (2, 2, "Bo"), (3, 3, "Cy")]) == []


def test_it_names_one_person_who_completed_two_steps():
    notes = wf.same_person_notes([(1, 7, "Jo Bloggs"), (2, 7, "Jo Bloggs"), (3, 8, "Cy")])
    assert [n.message for n in notes] == ["Steps 1 and 2 were both completed by Jo Bloggs."]
    assert notes[0].steps == (1, 2) and notes[0].person_id == 7


def test_it_names_three_steps_and_several_people_in_step_order():
    notes = wf.same_person_notes(
        [(5, 7, "Jo"), (4, 9, "Kit"), (1, 7, "Jo"), (2, 9, "Kit"), (3, None, ""), (2, 7, "Jo")]
    )
    assert [n.message for n in notes] == [
        "Steps 1, 2 and 5 were all completed by Jo.",
        "Steps 2 and 4 were both completed by Kit.",
    ]


def test_it_reads_completions_from_step_records():
    class User:
        def __init__(self, name):
            self.name = name

        def get_full_name(self):
            return self.name

        def get_username(self):
            return "user"

    class Step:
        def __init__(self, number, by, name=""):
            self.number, self.completed_by_id = number, by
            self.completed_at = "then" if by else None
            self.completed_by = User(name) if by else None

    steps = [Step(1, 4, "Jo Bloggs"), Step(2, 4, "Jo Bloggs"), Step(3, None)]
    assert wf.step_completions(steps) == [(1, 4, "Jo Bloggs"), (2, 4, "Jo Bloggs")]


def test_without_the_setting_one_person_may_complete_steps_one_and_two():
    decision = wf.can_complete_step(
        _case([1]), 2, actor_id=1, actor_roles={Role.REGISTERED_MANAGER}
    )
    assert decision


def test_with_the_setting_the_step_one_author_cannot_complete_step_two():
    decision = wf.can_complete_step(
        _case([1], distinct=True), 2, actor_id=1, actor_roles={Role.REGISTERED_MANAGER}
    )
    assert not decision
    assert "You completed step 1, so someone else must complete step 2" in decision.reason
    assert "different person for each of steps 1, 2 and 3" in decision.reason


def test_with_the_setting_step_three_needs_a_third_person_even_for_a_small_service():
    case = _case([1, 2], distinct=True, allow_self=True)
    for person in (1, 2):
        decision = wf.can_complete_step(case, 3, actor_id=person, actor_roles={Role.DEPUTY_MANAGER})
        assert not decision, person
    assert wf.can_complete_step(case, 3, actor_id=3, actor_roles={Role.DEPUTY_MANAGER})


def test_the_setting_leaves_steps_four_and_five_alone():
    case = _case([1, 2, 3], distinct=True)
    assert wf.can_complete_step(case, 4, actor_id=1, actor_roles={Role.TEAM_LEADER})
    later = replace(case, steps=case.steps)
    assert later.distinct_people_first_steps
