"""A job's page and the live fragment that htmx polls on any page showing the job's progress."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .selectors import jobs_visible_to


@login_required
@require_GET
def job_detail(request, pk: int):
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    return render(request, "jobs/job_detail.html", {"job": job})


@login_required
@require_GET
def job_progress(request, pk: int):
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    return render(request, "jobs/progress.html", {"job": job})
