"""Celery tasks of reporting: take ids, re-read, call a service (idempotent on redelivery)."""

from celery import shared_task

from .reports import schedule_services, services


@shared_task(name="reporting.generate_report")
def generate_report(job_id: int, payload: dict) -> None:
    """Produce the report a person asked for; its job shows the progress and then the download link."""
    services.run_report_job(job_id, payload)


@shared_task(name="reporting.produce_scheduled_report")
def produce_scheduled_report(schedule_id: int) -> int | None:
    """celery-beat runs this per schedule; a period already reported produces nothing."""
    report = schedule_services.run_schedule(schedule_id=schedule_id)
    return report.pk if report else None
