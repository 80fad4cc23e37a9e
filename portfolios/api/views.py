"""Households and clients for the mobile client: scoped reads through selectors, writes through services."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from portfolios.selectors import clients_visible_to, households_with_counts
from portfolios.services import create_client, create_household, update_client, update_household
from valuepartner.api.filters import StableOrderingFilter
from valuepartner.api.schema import error_responses

from .filters import ClientFilter, HouseholdFilter
from .permissions import CanManageBook
from .serializers import (
    ClientInputSerializer,
    ClientOutputSerializer,
    HouseholdInputSerializer,
    HouseholdOutputSerializer,
)


# List, retrieve, create and partially update one kind of object of the caller's book.
# Subclasses name the output (serializer_class) and input serializers and define get_queryset
# (a selector), perform_create(data) and perform_update(instance, data) (services).
# A comment, not a docstring: the schema would publish it.
class BookViewSet(viewsets.GenericViewSet):
    permission_classes = (permissions.IsAuthenticated, CanManageBook)
    filter_backends = (DjangoFilterBackend, SearchFilter, StableOrderingFilter)
    input_serializer_class: type

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        data = self._clean(request)
        instance = self.perform_create(data)
        return Response(self._render(instance), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        instance = self.get_object()
        data = self._clean(request, partial=True)
        instance = self.perform_update(instance, data)
        return Response(self._render(instance))

    def _clean(self, request, *, partial: bool = False) -> dict:
        serializer = self.input_serializer_class(data=request.data, partial=partial, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _render(self, instance) -> dict:
        # Re-read through the selector so a write answers with exactly what a read would show.
        return self.get_serializer(self.get_queryset().get(pk=instance.pk)).data


@extend_schema_view(
    list=extend_schema(
        summary="Households in scope",
        responses={200: HouseholdOutputSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(summary="One household", responses={200: HouseholdOutputSerializer, **error_responses(404)}),
    create=extend_schema(
        summary="Create a household",
        request=HouseholdInputSerializer,
        responses={201: HouseholdOutputSerializer, **error_responses(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change a household",
        request=HouseholdInputSerializer,
        responses={200: HouseholdOutputSerializer, **error_responses(400, 403, 404)},
    ),
)
class HouseholdViewSet(BookViewSet):
    """Households in the caller's scope: their own book, their team's shared book, or the whole firm
    for operators and compliance; a client sees their own household. Compliance and clients only read."""

    serializer_class = HouseholdOutputSerializer
    input_serializer_class = HouseholdInputSerializer
    filterset_class = HouseholdFilter
    search_fields = ("name", "advisor__first_name", "advisor__last_name")
    ordering_fields = ("name", "created_at", "updated_at", "client_count")
    ordering = ("name", "pk")

    def get_queryset(self):
        return households_with_counts(self.request.user)

    def perform_create(self, data: dict):
        return create_household(actor=self.request.user, **data)

    def perform_update(self, instance, data: dict):
        return update_household(actor=self.request.user, household=instance, **data)


@extend_schema_view(
    list=extend_schema(
        summary="Clients in scope", responses={200: ClientOutputSerializer(many=True), **error_responses(400, 404)}
    ),
    retrieve=extend_schema(summary="One client", responses={200: ClientOutputSerializer, **error_responses(404)}),
    create=extend_schema(
        summary="Create a client",
        request=ClientInputSerializer,
        responses={201: ClientOutputSerializer, **error_responses(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change a client",
        request=ClientInputSerializer,
        responses={200: ClientOutputSerializer, **error_responses(400, 403, 404)},
    ),
)
class ClientViewSet(BookViewSet):
    """People in the households of the caller's scope; a client sees only themselves.
    Compliance and clients only read."""

    serializer_class = ClientOutputSerializer
    input_serializer_class = ClientInputSerializer
    filterset_class = ClientFilter
    search_fields = ("first_name", "last_name", "email", "household__name")
    ordering_fields = ("last_name", "first_name", "created_at", "updated_at")
    ordering = ("last_name", "first_name", "pk")

    def get_queryset(self):
        return clients_visible_to(self.request.user)

    def perform_create(self, data: dict):
        return create_client(actor=self.request.user, **data)

    def perform_update(self, instance, data: dict):
        return update_client(actor=self.request.user, client=instance, **data)
