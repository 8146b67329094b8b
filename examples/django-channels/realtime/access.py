"""
Who may use the socket. The same rules as the HTTP API (simplejwt's JWTAuthentication) decide
whether a JWT is good; `may_use_socket()` decides whether its user may connect at all.
"""
from django.conf import settings
from rest_framework import permissions
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from . import frames


class SocketAuthError(Exception):
    """A refusal with the reason sent to the client and the close code that follows it."""

    def __init__(self, reason, close_code):
        super().__init__(reason)
        self.reason = reason
        self.close_code = close_code


def may_use_socket(user):
    """Replace with your own rule: a permission, a group, a paid plan. Here: a deny list."""
    return user.is_active and user.get_username() not in settings.WS_DENIED_USERS


class MayUseSocket(permissions.BasePermission):
    """DRF permission for the ticket endpoint: 403 for a user the socket would refuse."""

    message = "This user may not open the socket."

    def has_permission(self, request, view):
        return may_use_socket(request.user)


def authenticate_token(raw_token):
    """
    `(user, exp)` for a valid access token whose user may use the socket. Synchronous (it reads
    the database): call it through `database_sync_to_async`.

    Raises SocketAuthError: `invalid_token` + 4001 for a bad, expired or refresh token, an unknown
    or inactive user (what the HTTP API answers with 401); `forbidden` + 4003 for a user
    `may_use_socket()` refuses (what the ticket endpoint answers with 403).
    """
    if not isinstance(raw_token, str) or not raw_token:
        raise SocketAuthError(frames.INVALID_TOKEN, frames.CLOSE_UNAUTHORIZED)
    try:
        token = AccessToken(raw_token)  # signature, `exp` and token type
        user = JWTAuthentication().get_user(token)  # exists and is active
    except (TokenError, InvalidToken, AuthenticationFailed):
        raise SocketAuthError(frames.INVALID_TOKEN, frames.CLOSE_UNAUTHORIZED) from None
    if not may_use_socket(user):
        raise SocketAuthError(frames.FORBIDDEN, frames.CLOSE_FORBIDDEN)
    return user, int(token["exp"])
