"""Report pages: an account's or household's reports (produce one, live progress), its schedule, downloads.

Every object comes from the scoped selectors (another book's account, household or report is a
404). Reading is open to whoever sees the subject; producing and scheduling need MANAGE_BOOK (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability, has_capability
from jobs.selectors import jobs_visible_to
from valuepartner.errors import DomainError

from .choices import JOB_KIND, ReportSubject
from .forms import GenerateReportForm, ScheduleForm
from .schedule_services import save_schedule, stop_schedule
from .selectors import reports_of, reports_visible_to, schedule_of
from .services import ReportRequest, read_verified, request_report, subject_for
from .subjects import Subject


def _subject(request, kind: str, pk: int) -> Subject:
    try:
        return subject_for(kind, pk, user=request.user)
    except DomainError as error:
        raise Http404(error.message) from error


def _page_url(subject: Subject) -> str:
    return reverse(f"reports:{subject.kind}-reports", args=[subject.obj.pk])


def _merge_errors(form, error: DomainError) -> None:
    if not error.fields:
        form.add_error(None, error.message)
    for field, field_messages in error.fields.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def _exports(subject: Subject) -> list[dict]:
    """CSV exports of each covered account: holdings, transactions, realised gains of the report's years."""
    return [
        {
            "account": account,
            "holdings": reverse("portfolios:account-holdings-csv", args=[account.pk]),
            "transactions": reverse("portfolios:account-transactions-csv", args=[account.pk]),
            "gains": reverse("reporting:account-realized-gains", args=[account.pk]),
        }
        for account in subject.accounts
    ]


def _reports_page(request, kind: str, pk: int):
    subject = _subject(request, kind, pk)
    can_manage = has_capability(request.user, Capability.MANAGE_BOOK)
    form = GenerateReportForm(initial={"period": "QTD", "net": "true"})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Your role can read reports but not produce them.")
        form = GenerateReportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            report_request = ReportRequest(
                subject=subject.kind,
                subject_id=subject.obj.pk,
                period=data["period"],
                start=data["start"],
                end=data["end"],
                net=data["net"],
            )
            try:
                job = request_report(actor=request.user, subject=subject, request=report_request)
            except DomainError as error:
                _merge_errors(form, error)
            else:
                return redirect(f"{_page_url(subject)}?job={job.pk}")
    job = None
    job_id = request.GET.get("job", "")
    if job_id.isdigit():
        job = jobs_visible_to(request.user).filter(pk=int(job_id), kind=JOB_KIND).first()
    context = {
        "subject": subject,
        "account": subject.account,
        "household": subject.household,
        "is_household": subject.kind == ReportSubject.HOUSEHOLD,
        "reports": reports_of(request.user, subject)[:100],
        "schedule": schedule_of(subject),
        "form": form,
        "job": job,
        "can_manage": can_manage,
        "exports": _exports(subject),
    }
    return render(request, "reporting/reports/report_list.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def account_reports(request, pk: int):
    return _reports_page(request, ReportSubject.ACCOUNT, pk)


@login_required
@require_http_methods(["GET", "POST"])
def household_reports(request, pk: int):
    return _reports_page(request, ReportSubject.HOUSEHOLD, pk)


def _schedule_page(request, kind: str, pk: int):
    subject = _subject(request, kind, pk)
    can_manage = has_capability(request.user, Capability.MANAGE_BOOK)
    schedule = schedule_of(subject)
    initial = {"frequency": schedule.frequency, "net": "true" if schedule.net else "false"} if schedule else None
    form = ScheduleForm(initial=initial)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Your role can read schedules but not change them.")
        if request.POST.get("action") == "stop" and schedule is not None:
            stop_schedule(actor=request.user, schedule=schedule)
            messages.success(request, "Scheduled reports are paused. Stored reports stay available.")
            return redirect(_page_url(subject))
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                save_schedule(
                    actor=request.user,
                    subject=subject,
                    frequency=form.cleaned_data["frequency"],
                    net=form.cleaned_data["net"],
                )
            except DomainError as error:
                _merge_errors(form, error)
            else:
                messages.success(request, f"{form.cleaned_data['frequency'].title()} reports are scheduled.")
                return redirect(_page_url(subject))
    context = {
        "subject": subject,
        "account": subject.account,
        "household": subject.household,
        "is_household": subject.kind == ReportSubject.HOUSEHOLD,
        "schedule": schedule,
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "reporting/reports/schedule_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def account_schedule(request, pk: int):
    return _schedule_page(request, ReportSubject.ACCOUNT, pk)


@login_required
@require_http_methods(["GET", "POST"])
def household_schedule(request, pk: int):
    return _schedule_page(request, ReportSubject.HOUSEHOLD, pk)


@login_required
@require_GET
def report_download(request, pk: int):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    try:
        data = read_verified(actor=request.user, report=report)
    except DomainError as error:
        return render(
            request, "reporting/reports/report_unavailable.html", {"report": report, "error": error}, status=409
        )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.file_name}"'
    response["Content-Length"] = str(len(data))
    response["X-Content-SHA256"] = report.sha256
    response["Cache-Control"] = "private, no-store"
    return response
