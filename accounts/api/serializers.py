from rest_framework import serializers
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as SimpleJWTRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Firm, User


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.RegexField(
        r"^\d{6}$",
        required=False,
        help_text="Six-digit code from the authenticator app; required once two-factor sign-in is enrolled.",
        error_messages={"invalid": "Enter the six-digit code from your authenticator app."},
    )


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived bearer token for the Authorization header.")
    refresh = serializers.CharField(help_text="Single-use token for /auth/token/refresh/; rotated on each use.")


# simplejwt's rotation, except that a refresh token of a deleted user is refused instead of
# crashing. A comment, not a docstring: the schema would publish it.
class TokenRefreshSerializer(SimpleJWTRefreshSerializer):
    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except User.DoesNotExist as exc:
            raise TokenError("The token's user no longer exists.") from exc


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="The refresh token to revoke.")

    def validate_refresh(self, value: str) -> RefreshToken:
        try:
            return RefreshToken(value)
        except TokenError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class FirmOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Firm
        fields = ["id", "name"]


class MeOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name")
    firm = FirmOutputSerializer(allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "role", "firm"]
        read_only_fields = fields
