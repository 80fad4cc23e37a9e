"""Every URL of the jobs app addressing one job, for the generic scoping test."""

from valuepartner.testing.scoping import register

from .factories import JobFactory


def make_job(advisor):
    return JobFactory(owner=advisor)


register("jobs:job-detail", make_job)
register("jobs:job-progress", make_job)
register("api:job-detail", make_job)
