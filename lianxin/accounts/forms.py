from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from lianxin.accounts.throttling import (
    TooManyAttempts,
    client_ip,
    login_check_allowed,
    login_record_failure,
    login_record_success,
)


class ThrottledLoginForm(AuthenticationForm):
    """The standard login form, refusing further tries after too many failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else "unknown"
        try:
            login_check_allowed(username, ip)
        except TooManyAttempts as exc:
            raise forms.ValidationError(exc.message, code="throttled") from exc
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_record_failure(username, ip)
            raise
        login_record_success(username, ip)
        return cleaned
