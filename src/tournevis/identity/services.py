"""Use cases of identity, one transaction each."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, InvalidInput, NotFound
from tournevis.identity.domain import Role, check_customer_binding, token_role_allowed
from tournevis.identity.models import ApiToken, User

TOKEN_PREFIX = "tvs"  # noqa: S105 (a public marker, not a secret)
_USER_FIELDS = ("username", "email", "role", "customer", "is_active", "is_staff", "is_superuser", "language")


def actor_for(user: User, token: ApiToken | None = None) -> Actor:
    role = token.role if token is not None else user.role
    return Actor(
        user_id=user.pk,
        label=user.username,
        role=role,
        customer_id=user.customer_id,
        token_id=token.pk if token is not None else None,
    )


def _parse_role(value: str, field: str = "role") -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(
            _("Unknown role “%(role)s”; expected one of: %(roles)s.")
            % {"role": value, "roles": ", ".join(r.value for r in Role)},
            field=field,
        ) from None


@transaction.atomic
def create_user(
    actor: Actor,
    *,
    username: str,
    role: str,
    customer_id: int | None = None,
    email: str = "",
    password: str | None = None,
    language: str = "en",
) -> User:
    """Create a user with a role; a customer user must name its customer. Admins get the Django admin."""
    parsed = _parse_role(role)
    if not username or len(username) > 150:
        raise InvalidInput(_("A user name of 1 to 150 characters is required."), field="username")
    if check_customer_binding(parsed, customer_id):
        message = (
            _("A customer user must be tied to a customer.")
            if parsed == Role.CUSTOMER
            else _("Only customer users are tied to a customer.")
        )
        raise InvalidInput(message, field="customer")
    if customer_id is not None:
        from django.apps import apps

        if not apps.get_model("customers", "Customer").objects.filter(pk=customer_id).exists():
            raise InvalidInput(_("No customer with id %(id)s.") % {"id": customer_id}, field="customer")
    if User.objects.filter(username=username).exists():
        raise Conflict(_("The user name “%(name)s” is taken.") % {"name": username}, field="username")
    user = User(
        username=username,
        email=email,
        role=parsed.value,
        customer_id=customer_id,
        language=language if language in {"en", "fr"} else "en",
        is_staff=parsed == Role.ADMIN,
        is_superuser=parsed == Role.ADMIN,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages), field="password") from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(actor, "user.create", user, after=audit.snapshot(user, _USER_FIELDS))
    return user


@transaction.atomic
def set_user_active(actor: Actor, user_id: int, active: bool) -> User:
    """Enable or disable a user. A disabled user's sessions stop authenticating and its tokens are revoked."""
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No user with id %(id)s.") % {"id": user_id})
    before = audit.snapshot(user, _USER_FIELDS)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    audit.record(
        actor,
        "user.enable" if active else "user.disable",
        user,
        before=before,
        after=audit.snapshot(user, _USER_FIELDS),
    )
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(actor: Actor, user: User, *, name: str, role: str | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain text, which is never stored and never shown again."""
    if not name or len(name) > 100:
        raise InvalidInput(_("A token name of 1 to 100 characters is required."), field="name")
    token_role = _parse_role(role or user.role)
    if not token_role_allowed(Role(user.role), token_role):
        raise InvalidInput(
            _("A token of %(user)s cannot have the role %(role)s.")
            % {"user": user.username, "role": token_role},
            field="role",
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    plain = f"{TOKEN_PREFIX}_{prefix}_{secret}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        role=token_role.value,
        prefix=prefix,
        digest=_digest(plain),
        created_at=clock.now(),
    )
    audit.record(
        actor, "token.create", token, after=audit.snapshot(token, ("user", "name", "role", "prefix"))
    )
    return token, plain


@transaction.atomic
def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (actor.role != Role.ADMIN and token.user_id != actor.user_id):
        raise NotFound(_("No API token with id %(id)s.") % {"id": token_id})
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor,
            "token.revoke",
            token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


def authenticate_token(plain: str) -> tuple[User, ApiToken] | None:
    """The active user and token for a bearer value, or None. Constant-time digest comparison."""
    parts = plain.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1], revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(plain)):
        return None
    if not token.user.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
