from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from lianxin.accounts.http import UserApiRequest
from lianxin.accounts.models import Role
from lianxin.accounts.services import token_issue
from lianxin.accounts.throttling import (
    client_ip,
    login_check_allowed,
    login_record_failure,
    login_record_success,
)
from lianxin.core.api import ERROR
from lianxin.core.errors import ApplicationError


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    unit = UnitRefSerializer(allow_null=True)


class TokenView(APIView):
    """Exchange a username and password for an API token (throttled per user and address).

    The same key while it is younger than `LIANXIN_API_TOKEN_TTL` hours, a fresh one after that."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 400: ERROR, 429: ERROR},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        ip = client_ip(request._request)
        login_check_allowed(username, ip)
        user = authenticate(request._request, username=username, password=data.validated_data["password"])
        if user is None or not user.is_active:
            login_record_failure(username, ip)
            raise ApplicationError(_("用户名或密码不正确。"), code="invalid_credentials")
        login_record_success(username, ip)
        return Response({"token": token_issue(user=user).key})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer}, tags=["auth"])
    def get(self, request: UserApiRequest) -> Response:
        user = request.user
        unit = user.unit
        roles = user.role_list
        if user.is_superuser and Role.ADMIN not in roles:
            roles = [*roles, Role.ADMIN.value]
        return Response(
            {
                "username": user.username,
                "display_name": user.display_name,
                "roles": roles,
                "unit": {"id": unit.pk, "name": unit.name} if unit else None,
            }
        )


__all__ = ["TokenView", "MeView", "inline_serializer"]
