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
from lianxin.core.api import error_body
from lianxin.core.api_docs import error_response, ok_example, request_example
from lianxin.core.errors import ApplicationError

# Documentation examples (schema only).
BAD_CREDENTIALS = error_response(
    400,
    "A field is missing, or the username and password do not match.",
    error_body("invalid_credentials", "用户名或密码不正确。"),
)
TOO_MANY_ATTEMPTS = error_response(
    429,
    "Too many failed logins for this user or address; try again later.",
    error_body("throttled", "登录失败次数过多，请 15 分钟后再试。"),
)
TOKEN_EXAMPLES = [
    request_example("handler", {"username": "wangqiang", "password": "S3cure-pass!"}),
    ok_example("token", {"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}),
]
ME_EXAMPLES = [
    ok_example(
        "handler of a unit",
        {
            "username": "wangqiang",
            "display_name": "王强",
            "roles": ["handler"],
            "unit": {"id": 5, "name": "市住房和城乡建设局"},
        },
    ),
    ok_example(
        "citizen",
        {"username": "13812345678", "display_name": "张三", "roles": ["citizen"], "unit": None},
    ),
]


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
        responses={200: TokenResponseSerializer, 400: BAD_CREDENTIALS, 429: TOO_MANY_ATTEMPTS},
        examples=TOKEN_EXAMPLES,
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

    @extend_schema(responses={200: MeSerializer}, examples=ME_EXAMPLES, tags=["auth"])
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
