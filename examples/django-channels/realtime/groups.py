"""Channel layer groups: the chat room every authenticated socket joins, and one group per user."""

ROOM = "chat"


def user_group(user_id):
    """Every socket of one user, to reach them all (the test control's kick; a logout elsewhere)."""
    return f"user.{user_id}"
