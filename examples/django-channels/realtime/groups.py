"""
Channel layer groups: the chat room every authenticated socket joins, one group per user, and the
groups a socket subscribes to (`subscribe` / `unsubscribe`, docs/SERVERS.md "Channels with frames
of your own"): anyone may join a group, except `private-<username>`, which only that user may.
"""
import re

ROOM = "chat"


def user_group(user_id):
    """Every socket of one user, to reach them all (the test control's kick; a logout elsewhere)."""
    return f"user.{user_id}"


# What a client may call a group (matched whole): the channel layer's own limit on group names
# (ASCII letters, digits, `-`, `_`, `.`; under 100 characters) with room for the prefix. So a
# private group exists only for usernames within it: Django's default validator also allows `@`,
# `+` and non-ASCII letters, and such a user has no `private-<username>` here.
GROUP_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}")


def subscribed_group(name):
    """The layer group of a client's group `name` (kept apart from the room and the user groups)."""
    return f"grp.{name}"


def may_join(username, name):
    return not name.startswith("private-") or name == f"private-{username}"
