"""tournevis token create --user NAME [--name LABEL] [--role ROLE] | token revoke ID"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError
from tournevis.identity import services
from tournevis.identity.models import User


class Command(BaseCommand):
    help = "Create or revoke API tokens. A new token is printed once and never stored in clear."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it.")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="cli")
        create.add_argument("--role", help="Scope the token to this role (default: the user's).")
        revoke = sub.add_parser("revoke", help="Revoke a token by id.")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("cli")
        try:
            if options["action"] == "create":
                user = User.objects.filter(username=options["user"]).first()
                if user is None:
                    raise CommandError(f"no user named {options['user']}")
                if not user.is_active:
                    raise CommandError(f"user {user.username} is disabled")
                _, plain = services.create_token(actor, user, name=options["name"], role=options["role"])
                self.stdout.write(plain)
            else:
                services.revoke_token(Actor(user_id=None, label="cli", role="admin"), options["token_id"])
                self.stdout.write(f"revoked token {options['token_id']}")
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
