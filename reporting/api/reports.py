"""Client performance reports over the API: list an account's or household's reports, ask for one
(answered 202 with the job to poll), read one, download its PDF.

Subjects and reports come from the scoped selectors (outside the caller's scope: 404). Producing a
report needs MANAGE_BOOK (403 otherwise). A period that cannot be measured is a 400 with its code
(``invalid``, ``no_history``, ``period_before_inception``, ``empty_period``) before any job starts.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Capability, has_capability
from jobs.api.views import JobSerializer
from reporting.periods import PeriodKey
from reporting.reports.choices import ReportSubject
from reporting.reports.models import Report
from reporting.reports.selectors import reports_of, reports_visible_to
from reporting.reports.services import ReportRequest, read_verified, request_report, subject_for
from valuepartner.api.schema import error_response, error_responses
from valuepartner.errors import DomainError


class ReportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "subject",
            "account",
            "household",
            "title",
            "period_key",
            "period_label",
            "period_start",
            "base_date",
            "end_date",
            "net",
            "pages",
            "size",
            "sha256",
            "schedule",
            "job",
            "created_by",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, report: Report) -> str:
        return reverse("api:report-download", args=[report.pk])


class ReportCreateSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PeriodKey.choices, default=PeriodKey.QTD)
    start = serializers.DateField(required=False, allow_null=True, help_text="Required for `custom`.")
    end = serializers.DateField(required=False, allow_null=True, help_text="As-of day; last valued day if omitted.")
    net = serializers.BooleanField(default=True, help_text="Net of fees (false: gross).")

    def validate(self, data):
        start, end = data.get("start"), data.get("end")
        if data["period"] == PeriodKey.CUSTOM and start is None:
            raise serializers.ValidationError({"start": ["A custom range needs a start."]})
        if start and end and start > end:
            raise serializers.ValidationError({"start": ["Choose a day on or before the end."]})
        return data


class ReportJobSerializer(serializers.Serializer):
    job = JobSerializer()
    job_url = serializers.CharField(help_text="Poll this until the job's status is succeeded or failed.")


def _subject(request, kind: str, pk: int):
    try:
        return subject_for(kind, pk, user=request.user)
    except DomainError as error:
        raise Http404(error.message) from error


class _SubjectReportsView(GenericAPIView):
    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = ReportSerializer
    subject_kind = ReportSubject.ACCOUNT
    kwarg = "account_pk"

    def get_queryset(self):
        return Report.objects.none()  # for the schema; requests read through reports_of

    def get(self, request, **kwargs):
        subject = _subject(request, self.subject_kind, kwargs[self.kwarg])
        page = self.paginate_queryset(reports_of(request.user, subject))
        return self.get_paginated_response(ReportSerializer(page, many=True).data)

    def post(self, request, **kwargs):
        subject = _subject(request, self.subject_kind, kwargs[self.kwarg])
        if not has_capability(request.user, Capability.MANAGE_BOOK):
            raise PermissionDenied("Your role can read reports but not produce them.")
        body = ReportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job = request_report(
            actor=request.user,
            subject=subject,
            request=ReportRequest(
                subject=subject.kind,
                subject_id=subject.obj.pk,
                period=data["period"],
                start=data.get("start"),
                end=data.get("end"),
                net=data["net"],
            ),
        )
        job.refresh_from_db()  # eager tasks (tests) have already run it
        payload = {"job": JobSerializer(job).data, "job_url": reverse("api:job-detail", args=[job.pk])}
        return Response(payload, status=status.HTTP_202_ACCEPTED)


_LIST = {"responses": {200: ReportSerializer(many=True), **error_responses(404)}}
_CREATE = {
    "request": ReportCreateSerializer,
    "responses": {202: ReportJobSerializer, **error_responses(400, 403, 404)},
}


class AccountReportsView(_SubjectReportsView):
    subject_kind = ReportSubject.ACCOUNT
    kwarg = "account_pk"

    @extend_schema(summary="Reports of an account", tags=["reports"], **_LIST)
    def get(self, request, account_pk: int):
        return super().get(request, account_pk=account_pk)

    @extend_schema(
        summary="Produce an account's performance report (PDF) in the background", tags=["reports"], **_CREATE
    )
    def post(self, request, account_pk: int):
        return super().post(request, account_pk=account_pk)


class HouseholdReportsView(_SubjectReportsView):
    subject_kind = ReportSubject.HOUSEHOLD
    kwarg = "household_pk"

    @extend_schema(summary="Reports of a household", tags=["reports"], **_LIST)
    def get(self, request, household_pk: int):
        return super().get(request, household_pk=household_pk)

    @extend_schema(
        summary="Produce a household's performance report (PDF) in the background", tags=["reports"], **_CREATE
    )
    def post(self, request, household_pk: int):
        return super().post(request, household_pk=household_pk)


class ReportDetailView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        summary="A stored report", tags=["reports"], responses={200: ReportSerializer, **error_responses(404)}
    )
    def get(self, request, pk: int):
        return Response(ReportSerializer(get_object_or_404(reports_visible_to(request.user), pk=pk)).data)


class ReportDownloadView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        summary="Download a report's PDF (audited)",
        description="The file is checked against its recorded SHA-256 first (409 `report_tampered` if it changed).",
        tags=["reports"],
        responses={
            (200, "application/pdf"): OpenApiResponse(response=OpenApiTypes.BINARY, description="The PDF."),
            **error_responses(404),
            409: error_response(409, "The stored file no longer matches its SHA-256 (`report_tampered`)."),
        },
    )
    def get(self, request, pk: int):
        report = get_object_or_404(reports_visible_to(request.user), pk=pk)
        data = read_verified(actor=request.user, report=report)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.file_name}"'
        response["X-Content-SHA256"] = report.sha256
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns = [
    path("accounts/<int:account_pk>/reports/", AccountReportsView.as_view(), name="account-reports"),
    path("households/<int:household_pk>/reports/", HouseholdReportsView.as_view(), name="household-reports"),
    path("reports/<int:pk>/", ReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:pk>/download/", ReportDownloadView.as_view(), name="report-download"),
]
