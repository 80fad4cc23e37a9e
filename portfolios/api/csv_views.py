"""CSV import of transactions and the holdings download, for API clients.

The account is looked up through ``accounts_visible_to`` first, so an account outside the
caller's scope is a 404 whatever the method; importing then needs ``manage_book`` (403).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Capability, has_capability
from portfolios.csv_export import HOLDING_COLUMNS, holding_rows, stream_csv
from portfolios.csv_format import COLUMN_HELP, COLUMNS, IMPORTABLE_KINDS, MAX_BYTES
from portfolios.selectors import accounts_visible_to
from portfolios.services.imports import import_transactions_csv
from portfolios.views_csv import csv_attachment, export_file_name
from valuepartner.api.schema import error_responses


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="UTF-8 CSV; see the GET answer for its columns.")

    def validate_file(self, upload):
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
        return upload


class ImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField(help_text="Transactions recorded.")
    kinds = serializers.DictField(child=serializers.IntegerField(), help_text="Transactions recorded, by kind.")
    file_name = serializers.CharField()
    sha256 = serializers.CharField(help_text="The file's SHA-256; the same file is refused a second time.")


class ImportFormatSerializer(serializers.Serializer):
    columns = serializers.DictField(child=serializers.CharField(), help_text="Column name: what it holds.")
    kinds = serializers.ListField(child=serializers.CharField(), help_text="Kinds the import accepts.")
    max_bytes = serializers.IntegerField()


def _account_for(request, account_pk: int):
    return get_object_or_404(accounts_visible_to(request.user), pk=account_pk)


class TransactionImportView(APIView):
    """Import a CSV file of transactions into one account: every row, or none and a report.

    A 400 ``invalid_rows`` lists each problem as ``{"line", "column", "message"}`` in
    ``error.fields.rows`` (the header is line 1); ``duplicate_import`` means this very file was
    imported into the account before. GET describes the expected columns.
    """

    permission_classes = (permissions.IsAuthenticated,)
    parser_classes = (MultiPartParser, FormParser)

    def _check(self, request, account_pk: int):
        account = _account_for(request, account_pk)
        if not has_capability(request.user, Capability.MANAGE_BOOK):
            raise exceptions.PermissionDenied("Your role cannot import transactions.")
        return account

    @extend_schema(
        summary="The transactions CSV format",
        responses={200: ImportFormatSerializer, **error_responses(403, 404)},
    )
    def get(self, request, account_pk: int):
        self._check(request, account_pk)
        columns = {name: COLUMN_HELP[name] for name in COLUMNS}
        return Response({"columns": columns, "kinds": sorted(IMPORTABLE_KINDS), "max_bytes": MAX_BYTES})

    @extend_schema(
        summary="Import transactions from a CSV file",
        request={"multipart/form-data": ImportInputSerializer},
        responses={201: ImportResultSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request, account_pk: int):
        account = self._check(request, account_pk)
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = import_transactions_csv(account=account, file=serializer.validated_data["file"], actor=request.user)
        body = {
            "imported": result.row_count,
            "kinds": result.kinds,
            "file_name": result.file_name,
            "sha256": result.sha256,
        }
        return Response(ImportResultSerializer(body).data, status=status.HTTP_201_CREATED)


class HoldingsCsvView(APIView):
    """The account's holdings as CSV (the same file as the account page's download)."""

    permission_classes = (permissions.IsAuthenticated,)

    def perform_content_negotiation(self, request, force=False):
        # A client asking for text/csv gets the file; errors still answer in JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="Holdings as CSV",
        operation_id="accounts_holdings_csv",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=", ".join(HOLDING_COLUMNS)),
            **error_responses(404),
        },
    )
    def get(self, request, account_pk: int):
        account = _account_for(request, account_pk)
        return csv_attachment(stream_csv(HOLDING_COLUMNS, holding_rows(account)), export_file_name(account, "holdings"))
