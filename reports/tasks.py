from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def render_report_task(run_id: int) -> None:
    services.report_render(run_id)
