"""Render a report synchronously to a file: the same PDF the background task produces."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assurance.cases.models import ImprovementCase
from assurance.organisations.models import Provider
from reports.data import cutoff_for
from reports.models import ReportKind, ReportLayout, ReportRun
from reports.periods import parse_quarter
from reports.services import build_pdf, write_run_index


class Command(BaseCommand):
    help = (
        "render_report quarterly --provider SLUG --quarter 2026-Q3 --out report.pdf | "
        "render_report case --case UUID --out summary.pdf"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["quarterly", "case"])
        parser.add_argument("--provider", help="Provider slug (quarterly)")
        parser.add_argument("--quarter", help="e.g. 2026-Q3 (quarterly)")
        parser.add_argument("--case", help="Case UUID (case)")
        parser.add_argument("--out", required=True, help="Where to write the PDF")
        parser.add_argument("--html", help="Also write the HTML used for the PDF here")
        parser.add_argument("--location", help="Location UUID: that location's report (quarterly)")
        parser.add_argument(
            "--layout",
            choices=ReportLayout.values,
            default=ReportLayout.SUMMARY,
            help="summary (any size) or full (every case in full; needs --location)",
        )
        parser.add_argument("--commentary", default="", help="Executive commentary (quarterly)")
        parser.add_argument(
            "--index", help="Also write the evidence index workbook here (quarterly)"
        )

    def handle(
        self,
        *args,
        kind,
        provider=None,
        quarter=None,
        case=None,
        out,
        html=None,
        location=None,
        layout=ReportLayout.SUMMARY,
        commentary="",
        index=None,
        **options,
    ):
        now = timezone.now()
        operator = get_user_model()(username="command line")
        if kind == "quarterly":
            if not provider or not quarter:
                raise CommandError("quarterly needs --provider and --quarter.")
            try:
                parsed = parse_quarter(quarter)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            try:
                provider_obj = Provider.objects.get(slug=provider)
            except Provider.DoesNotExist as exc:
                raise CommandError(f"No provider with slug “{provider}”.") from exc
            location_obj = None
            if location:
                location_obj = provider_obj.locations.filter(uuid=location).first()
                if location_obj is None:
                    raise CommandError(f"No location with id “{location}” at {provider_obj}.")
            if layout == ReportLayout.FULL and location_obj is None:
                raise CommandError("The full layout is for one location: add --location.")
            run = ReportRun(
                kind=ReportKind.QUARTERLY,
                provider=provider_obj,
                location=location_obj,
                layout=layout,
                commentary=commentary,
                quarter=parsed.label,
                data_cutoff=cutoff_for(parsed, now),
                requested_at=now,
                requested_by=operator,
            )
        else:
            if not case:
                raise CommandError("case needs --case <uuid>.")
            try:
                case_obj = ImprovementCase.objects.select_related("location__provider").get(
                    uuid=case
                )
            except (ImprovementCase.DoesNotExist, ValueError) as exc:
                raise CommandError(f"No case with id “{case}”.") from exc
            run = ReportRun(
                kind=ReportKind.CASE,
                provider=case_obj.location.provider,
                location=case_obj.location,
                case=case_obj,
                data_cutoff=now,
                requested_at=now,
                requested_by=operator,
            )
        pdf, rendered = build_pdf(run)
        Path(out).write_bytes(pdf)
        if html:
            Path(html).write_text(rendered, encoding="utf-8")
        self.stdout.write(f"Wrote {out} ({len(pdf):,} bytes).")
        if index and kind == "quarterly":
            with open(index, "wb") as handle:
                count = write_run_index(run, handle)
            self.stdout.write(f"Wrote {index} ({count:,} evidence items).")
