"""What the API shows of each object: values with their human labels, links, nothing
writable. Figures and flags come from the same functions the pages use."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assurance.cases import services as cases_services
from assurance.judgement.figures import case_readiness, evidence_fingerprint, fingerprint_changes
from assurance.judgement.readiness import LEVEL_LABELS


def _absolute(context, name, *args) -> str:
    path = reverse(name, args=args)
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def _person(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


class PlaceSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()


class ProviderSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, provider):
        return _absolute(self.context, "organisations:provider_detail", provider.slug)


class LocationSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()
    provider = serializers.SlugField(source="provider.slug")
    cqc_location_id = serializers.CharField()
    service_type = serializers.CharField()
    service_type_label = serializers.CharField(source="get_service_type_display")
    is_active = serializers.BooleanField()
    regulation_breach = serializers.BooleanField()
    your_roles = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_your_roles(self, location):
        roles = self.context.get("roles", {}).get(location.id, ())
        return sorted(roles)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, location):
        return _absolute(self.context, "organisations:location_detail", location.uuid)


class TeamSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    location = serializers.UUIDField(source="location.uuid")
    archived_at = serializers.DateTimeField(allow_null=True)


class StepSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    artefact = serializers.CharField(source="artefact_label")
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    state = serializers.ChoiceField(choices=["done", "current", "later"])
    completed_at = serializers.DateTimeField(allow_null=True)
    completed_by = serializers.CharField(allow_null=True)
    self_validation = serializers.BooleanField()


class LevelSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()


class JudgementSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    level = serializers.CharField()
    level_label = serializers.CharField(source="get_level_display")
    supportable_level = serializers.CharField(
        help_text="What the evidence supported when the judgement was recorded."
    )
    supportable_level_label = serializers.CharField(source="get_supportable_level_display")
    exceeds_evidence = serializers.BooleanField()
    overclaim_justification = serializers.CharField()
    escalate = serializers.BooleanField()
    key_questions = serializers.SerializerMethodField()
    rationale = serializers.CharField()
    not_yet = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.SerializerMethodField()
    confirmed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_key_questions(self, judgement):
        return [kq.slug for kq in judgement.key_questions.all()]

    @extend_schema_field(serializers.CharField())
    def get_recorded_by(self, judgement):
        return _person(judgement.recorded_by)


class CaseFlagsSerializer(serializers.Serializer):
    judgement_exceeds_evidence = serializers.BooleanField()
    evidence_changed_since_judgement = serializers.BooleanField()
    has_overdue_escalation = serializers.BooleanField()


class CaseSerializer(serializers.Serializer):
    """A case with its five steps, its current judgement, the highest level its evidence
    supports today (the readiness figures of the case page) and its flags."""

    uuid = serializers.UUIDField()
    title = serializers.CharField()
    location = PlaceSerializer()
    provider = serializers.SlugField(source="location.provider.slug")
    domain = serializers.SlugField(source="domain.slug")
    domain_label = serializers.CharField(source="domain.name")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    current_step = serializers.IntegerField()
    baseline_issue = serializers.CharField()
    improvement_began = serializers.DateField()
    wider_areas = serializers.ListField(child=serializers.CharField())
    opened_at = serializers.DateTimeField()
    steps = serializers.SerializerMethodField()
    judgement = serializers.SerializerMethodField()
    supportable_level = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def _ready(self, case):
        if not hasattr(case, "_api_ready"):
            case._api_ready = case_readiness(
                case,
                evidence=case.all_evidence,
                indicators=case.all_indicators,
                links=case.all_links,
                teams=case.location.active_teams,
            )
        return case._api_ready

    def _judgement(self, case):
        return case.current_judgements[0] if case.current_judgements else None

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, case):
        steps = sorted(case.steps.all(), key=lambda s: s.number)
        state = cases_services.case_state(case, steps)
        rows = [
            {
                "number": step.number,
                "artefact_label": step.artefact_label,
                "role": step.role,
                "get_role_display": step.get_role_display(),
                "state": "done"
                if step.is_completed
                else ("current" if step.number == state.current_step else "later"),
                "completed_at": step.completed_at,
                "completed_by": _person(step.completed_by),
                "self_validation": step.self_validation,
            }
            for step in steps
        ]
        return StepSerializer(rows, many=True).data

    @extend_schema_field(JudgementSerializer(allow_null=True))
    def get_judgement(self, case):
        judgement = self._judgement(case)
        return JudgementSerializer(judgement).data if judgement else None

    @extend_schema_field(LevelSerializer)
    def get_supportable_level(self, case):
        assessment = self._ready(case).assessment
        return {"level": assessment.level, "label": LEVEL_LABELS[assessment.level]}

    @extend_schema_field(CaseFlagsSerializer)
    def get_flags(self, case):
        judgement = self._judgement(case)
        changed = False
        if judgement is not None:
            current = evidence_fingerprint(case.all_evidence, case.all_indicators)
            changed = bool(fingerprint_changes(judgement.evidence_fingerprint, current))
        return {
            "judgement_exceeds_evidence": bool(judgement and judgement.exceeds_evidence),
            "evidence_changed_since_judgement": changed,
            "has_overdue_escalation": bool(case.has_overdue_escalation),
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_evidence(self, case):
        return _absolute(self.context, "api:evidence-list") + f"?case={case.uuid}"

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case):
        return _absolute(self.context, "casework:case_detail", case.uuid)


class EvidenceFileSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField(
        help_text="The file, through the same permission check as the page; each read is recorded."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, stored):
        return _absolute(self.context, "api:evidence-file-download", stored.uuid)


class EvidenceItemSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    case = serializers.UUIDField(source="case.uuid")
    case_title = serializers.CharField(source="case.title")
    location = serializers.UUIDField(source="case.location.uuid")
    step_number = serializers.IntegerField()
    source = serializers.CharField()
    source_label = serializers.CharField(source="get_source_display")
    category = serializers.CharField(source="category.name")
    occurred_on = serializers.DateField()
    team = PlaceSerializer(allow_null=True)
    stance = serializers.CharField()
    stance_label = serializers.CharField(source="get_stance_display")
    summary = serializers.CharField()
    status = serializers.SerializerMethodField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField()
    created_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    files = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["current", "withdrawn"]))
    def get_status(self, item):
        return "withdrawn" if item.is_withdrawn else "current"

    @extend_schema_field(serializers.CharField())
    def get_created_by(self, item):
        return _person(item.created_by)

    @extend_schema_field(EvidenceFileSerializer(many=True))
    def get_files(self, item):
        return EvidenceFileSerializer(item.files.all(), many=True, context=self.context).data


class EscalationSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    case = serializers.UUIDField(source="case.uuid")
    case_title = serializers.CharField(source="case.title")
    location = PlaceSerializer(source="case.location")
    action = serializers.CharField()
    detail = serializers.CharField()
    trigger = serializers.CharField()
    trigger_label = serializers.CharField(source="get_trigger_display")
    owner = serializers.SerializerMethodField()
    due_on = serializers.DateField()
    overdue = serializers.BooleanField(source="is_overdue")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    outcome = serializers.CharField()
    raised_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_owner(self, escalation):
        return _person(escalation.owner)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, escalation):
        return _absolute(self.context, "escalations:escalation_detail", escalation.uuid)


class ReviewSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    provider = serializers.SlugField(source="provider.slug")
    location = serializers.UUIDField(source="location.uuid", allow_null=True)
    case = serializers.UUIDField(source="case.uuid", allow_null=True)
    period_label = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    due_on = serializers.DateField()
    status = serializers.CharField()
    state_label = serializers.CharField(help_text="Due, Overdue, Completed or Skipped.")
    outcome = serializers.CharField()
    outcome_label = serializers.CharField(source="get_outcome_display")
    notes = serializers.CharField()
    skip_reason = serializers.CharField()
    completed_by = serializers.SerializerMethodField()
    completed_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_completed_by(self, review):
        return _person(review.completed_by)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, review):
        return _absolute(self.context, "reviews:review_detail", review.uuid)


class ReportRunSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField(source="__str__")
    provider = serializers.SlugField(source="provider.slug")
    location = serializers.UUIDField(source="location.uuid", allow_null=True)
    case = serializers.UUIDField(source="case.uuid", allow_null=True)
    quarter = serializers.CharField()
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    include_withdrawn_files = serializers.BooleanField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    stage = serializers.CharField()
    progress = serializers.IntegerField()
    error = serializers.CharField()
    requested_at = serializers.DateTimeField()
    requested_by = serializers.SerializerMethodField()
    data_cutoff = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    download_url = serializers.SerializerMethodField()
    layout = serializers.CharField()
    commentary = serializers.CharField()
    index_filename = serializers.SerializerMethodField()
    index_size = serializers.IntegerField(allow_null=True)
    index_sha256 = serializers.CharField()
    index_download_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_index_filename(self, run):
        return run.index_filename if run.index_file else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_index_download_url(self, run):
        if not run.index_file:
            return None
        return _absolute(self.context, "api:reportrun-evidence-index", run.uuid)

    @extend_schema_field(serializers.CharField())
    def get_requested_by(self, run):
        return _person(run.requested_by)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, run):
        if not run.file:
            return None
        return _absolute(self.context, "api:reportrun-download", run.uuid)
