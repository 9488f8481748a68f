"""Identity API: authentication classes for /api/v1 and the caller's own tokens."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import APIKeyCookie, HttpBearer

from tournevis.core.actor import Actor
from tournevis.core.rest import actor_of
from tournevis.identity import guard, services
from tournevis.identity.models import ApiToken, User


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer tvs_…``: the actor takes the token's role."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        found = services.authenticate_token(token)
        if found is None:
            return None
        user, api_token = found
        return services.actor_for(user, api_token)


class SessionActorAuth(APIKeyCookie):
    """The back-office session (with CSRF on unsafe methods), for htmx and the docs page."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = request.user
        if user.is_authenticated and user.is_active:
            return services.actor_for(user)
        return None


router = Router(tags=["identity"])


class MeOut(Schema):
    id: int | None
    username: str
    role: str
    customer_id: int | None


class TokenIn(Schema):
    name: str
    role: str | None = None


class TokenOut(Schema):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str


@router.get("/me", response=MeOut, operation_id="me")
@guard.api("api.me")
def me(request: HttpRequest) -> MeOut:
    actor = actor_of(request)
    return MeOut(id=actor.user_id, username=actor.label, role=actor.role, customer_id=actor.customer_id)


@router.get("/tokens", response=list[TokenOut], operation_id="list_tokens")
@guard.api("api.tokens.list")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user_id=actor_of(request).own_user_id()).order_by("id"))


@router.post("/tokens", response={201: NewTokenOut}, operation_id="create_token")
@guard.api("api.tokens.create")
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    actor = actor_of(request)
    user = User.objects.get(pk=actor.own_user_id())
    token, plain = services.create_token(actor, user, name=payload.name, role=payload.role)
    return Status(201, NewTokenOut(**TokenOut.from_orm(token).dict(), token=plain))


@router.delete("/tokens/{token_id}", response={204: None}, operation_id="revoke_token")
@guard.api("api.tokens.revoke")
def revoke_token(request: HttpRequest, token_id: int) -> Status:
    services.revoke_token(actor_of(request), token_id)
    return Status(204, None)
