"""`manage.py setup_demo`: migrates the database and creates the demo users (idempotent)."""
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

# mallory may log in to the API but not use the socket when WS_DENIED_USERS=mallory.
DEMO_USERS = ("alice", "bob", "mallory")


class Command(BaseCommand):
    help = "Migrate and create the demo users alice, bob and mallory (password = user name)."

    def handle(self, *args, **options):
        call_command("migrate", verbosity=0, interactive=False)
        User = get_user_model()
        for name in DEMO_USERS:
            user, created = User.objects.get_or_create(username=name)
            if created:
                user.set_password(name)
                user.save()
        self.stdout.write(f"demo users: {', '.join(DEMO_USERS)} (password = user name)")
