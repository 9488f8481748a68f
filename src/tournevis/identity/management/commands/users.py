"""tournevis users create NAME --role ROLE [--customer ID] [--email E] [--password-stdin]"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError
from tournevis.identity import services
from tournevis.identity.domain import Role
from tournevis.identity.models import User


class Command(BaseCommand):
    help = "Create, list, enable or disable users."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a user.")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=[r.value for r in Role])
        create.add_argument("--customer", type=int, help="Customer id (required for the customer role).")
        create.add_argument("--email", default="")
        create.add_argument("--language", default="en", choices=["en", "fr"])
        create.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input."
        )
        sub.add_parser("list", help="List users.")
        for name in ("disable", "enable"):
            toggle = sub.add_parser(name, help=f"{name.capitalize()} a user.")
            toggle.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("cli")
        try:
            if options["action"] == "create":
                password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else None
                user = services.create_user(
                    actor,
                    username=options["username"],
                    role=options["role"],
                    customer_id=options["customer"],
                    email=options["email"],
                    password=password,
                    language=options["language"],
                )
                self.stdout.write(f"created user {user.username} (id {user.pk}, role {user.role})")
            elif options["action"] == "list":
                for user in User.objects.order_by("username"):
                    state = "active" if user.is_active else "disabled"
                    self.stdout.write(
                        f"{user.pk}\t{user.username}\t{user.role}\t{user.customer_id or ''}\t{state}"
                    )
            else:
                target = User.objects.filter(username=options["username"]).first()
                if target is None:
                    raise CommandError(f"no user named {options['username']}")
                services.set_user_active(actor, target.pk, options["action"] == "enable")
                self.stdout.write(f"{options['action']}d user {target.username}")
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
