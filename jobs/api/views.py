"""A job's progress for the mobile client, polled until it finishes."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.viewsets import ReadOnlyModelViewSet

from valuepartner.api.schema import error_responses

from ..models import Job
from ..selectors import jobs_visible_to


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    eta_seconds = serializers.IntegerField(read_only=True, allow_null=True, help_text="Null until known.")
    owner = serializers.CharField(source="owner.get_full_name", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "label",
            "owner",
            "status",
            "done",
            "total",
            "percent",
            "eta_seconds",
            "message",
            "result",
            "result_url",
            "error_code",
            "error_message",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


@extend_schema(tags=["jobs"], responses={200: JobSerializer, **error_responses(404)})
class JobViewSet(ReadOnlyModelViewSet):
    serializer_class = JobSerializer

    def get_queryset(self):
        return jobs_visible_to(self.request.user)
