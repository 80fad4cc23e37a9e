"""Token sign-in, rotation and revocation for the mobile client, and the caller's own profile."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt import views as simplejwt_views
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.models import User
from compliance.services import record_event
from valuepartner.api.schema import error_response, error_responses

from .serializers import (
    LogoutInputSerializer,
    MeOutputSerializer,
    TokenObtainInputSerializer,
    TokenPairOutputSerializer,
    TokenRefreshSerializer,
)
from .signin import sign_in

TAG = "auth"


class TokenObtainView(APIView):
    # The credentials are in the body: no session or bearer token is read, so no CSRF check applies.
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        tags=[TAG],
        summary="Sign in and receive a token pair",
        request=TokenObtainInputSerializer,
        responses={
            200: TokenPairOutputSerializer,
            400: error_response(400, "`invalid` input, or `otp_required` (field `otp`) for two-factor accounts."),
            401: error_response(401, "`authentication_failed` (wrong credentials) or `otp_invalid`."),
            403: error_response(403, "`two_factor_enrolment_required`: the role must enrol an authenticator first."),
            429: error_response(429, "`throttled` or `locked_out`; Retry-After says when to try again."),
            500: error_response(500),
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenObtainInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tokens = sign_in(request, username=data["username"], password=data["password"], otp=data.get("otp"))
        return Response(TokenPairOutputSerializer(tokens).data)


class TokenRefreshView(simplejwt_views.TokenRefreshView):
    """Exchange a refresh token for a new pair; the one sent is blacklisted and refused from then on."""

    serializer_class = TokenRefreshSerializer

    @extend_schema(
        tags=[TAG],
        summary="Rotate the refresh token",
        request=TokenRefreshSerializer,
        responses={
            200: TokenPairOutputSerializer,
            400: error_response(400),
            401: error_response(401, "`token_not_valid`: expired, tampered or already used."),
            500: error_response(500),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    """Revoke a refresh token. Holding it is the credential, so an expired access token does not block sign-out."""

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)

    @extend_schema(
        tags=[TAG],
        summary="Sign out by revoking the refresh token",
        request=LogoutInputSerializer,
        responses={
            205: OpenApiResponse(description="Revoked; discard both tokens."),
            400: error_response(400, "`invalid`: the refresh token is malformed, expired or already revoked."),
            500: error_response(500),
        },
        auth=[],
    )
    def post(self, request):
        serializer = LogoutInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refresh = serializer.validated_data["refresh"]
        refresh.blacklist()
        user = User.objects.filter(pk=refresh.payload.get(jwt_settings.USER_ID_CLAIM)).first()
        if user is not None:
            record_event(action="auth.signed_out", actor=user, target=user, metadata={"channel": "api"})
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeView(APIView):
    @extend_schema(tags=[TAG], summary="The signed-in user", responses={200: MeOutputSerializer, **error_responses()})
    def get(self, request):
        return Response(MeOutputSerializer(request.user).data)
