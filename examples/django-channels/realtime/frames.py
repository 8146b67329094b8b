"""
The socket's wire vocabulary in one place: frame types, refusal reasons and close codes.

Frames follow docs/PROTOCOL.md §4, except the three auth frames, whose names are this server's own
choice (the client is told them through provideAuthSocket's `firstMessage` options, see README):

    client → server  {"type": "authenticate", "token": "<JWT>"}       first frame, or a re-auth
    server → client  {"type": "authenticated", "user": "<username>"}  the acknowledgement
    server → client  {"type": "auth_failed", "reason": "<reason>"}    followed by a close
"""
import json

AUTHENTICATE = "authenticate"
AUTHENTICATED = "authenticated"
AUTH_FAILED = "auth_failed"

# Close codes (PROTOCOL.md §5). 4001: the client refreshes its token once and reconnects.
# 4003: the client stops (state `closed`, `forbidden`). Any other code: it reconnects with backoff
# and a fresh ticket. daphne's WebSocket engine (autobahn) lets an application send only 1000 and
# 3000–4999 (anything else becomes 1011), so a kick is 4012, the private-range twin of the
# reference server's 1012.
CLOSE_UNAUTHORIZED = 4001
CLOSE_FORBIDDEN = 4003
CLOSE_KICKED = 4012
CLOSE_CODES = (CLOSE_UNAUTHORIZED, CLOSE_FORBIDDEN, CLOSE_KICKED)

# Reasons sent in auth_failed and as the close reason.
INVALID_TOKEN = "invalid_token"  # bad signature, wrong type, expired, unknown or inactive user
TOKEN_EXPIRED = "token_expired"  # the socket's JWT expired while open (close only, no frame)
AUTH_REQUIRED = "auth_required"  # the first frame of an un-ticketed socket was not `authenticate`
AUTH_TIMEOUT = "auth_timeout"  # no `authenticate` frame within WS_AUTH_DEADLINE_S
FORBIDDEN = "forbidden"  # a valid token for a user who may not use the socket, or another user

MAX_CHAT_LENGTH = 2000
MAX_ID_LENGTH = 64


def parse_frame(text_data):
    """A JSON object with a string `type`, or None for anything else (binary, not JSON, no type)."""
    if text_data is None:
        return None
    try:
        frame = json.loads(text_data)
    except ValueError:
        return None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return None
    return frame


def valid_id(frame):
    """PROTOCOL.md §8: an `id`, when present, is a string of 1–64 characters."""
    if "id" not in frame:
        return True
    value = frame["id"]
    return isinstance(value, str) and 1 <= len(value) <= MAX_ID_LENGTH
