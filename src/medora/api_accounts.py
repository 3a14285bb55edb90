"""Account lifecycle under ``/api/v1``: API tokens (list, revoke) and, for administrators,
accounts (list, disable, enable, reset a password). Every change is in the audit trail.

The same operations from the shell: ``medora users tokens|revoke-token|disable|enable|reset-password``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from . import auth
from .api_articles import api_user, store
from .articles import MAX_ID
from .articles_db import User
from .errors import PermissionDenied

ADMIN = ("admin",)
Username = Annotated[str, Path(max_length=64, description="The account's username.")]


class TokenOut(BaseModel):
    id: int = Field(description="Pass it to DELETE /api/v1/tokens/{id} to revoke the token.")
    username: str = Field(description="The account the token acts as.")
    label: str = Field(description="What the token is for.")
    prefix: str = Field(description="The token's first characters, to tell tokens apart (never the secret).")
    created_at: str
    last_used_at: str | None
    expires_at: str | None = Field(description="After this the token is refused (null: never; articles.token_days).")
    revoked_at: str | None


class UserOut(BaseModel):
    username: str
    role: str = Field(description="admin, editor or reviewer.")
    name: str = Field(description="Display name.")
    credentials: str
    specialty: str
    active: bool = Field(description="False: disabled (cannot sign in; its tokens are refused).")


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(description=f"The new password, at least {auth.MIN_PASSWORD} characters.")


def user_json(user: User) -> dict:
    return {"username": user.username, "role": user.role, "name": user.name, "credentials": user.credentials,
            "specialty": user.specialty, "active": user.active}


router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/tokens", response_model=list[TokenOut], summary="API tokens: your own, or (admins) anyone's")
def get_tokens(request: Request, username: str | None = Query(None, max_length=64,
                                                               description="Only this account's tokens.")) -> list:
    user = api_user(request)
    if user.role != "admin" and username not in (None, user.username):
        raise PermissionDenied(f"'{user.username}' ({user.role}) may list only their own tokens.")
    return auth.list_tokens(store(request), username if user.role == "admin" else user.username)


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke an API token at once")
def delete_token(request: Request, token_id: int = Path(ge=1, le=MAX_ID)) -> dict:
    return auth.revoke_token(store(request), token_id, api_user(request))


@router.get("/users", response_model=list[UserOut], summary="Editorial accounts (administrators)")
def get_users(request: Request) -> list[dict]:
    api_user(request, ADMIN, "list accounts")
    return [user_json(u) for u in auth.list_users(store(request))]


@router.post("/users/{username}/disable", response_model=UserOut, summary="Disable an account (administrators)")
def post_disable(request: Request, username: Username) -> dict:
    return user_json(auth.set_active(store(request), username, False, api_user(request, ADMIN, "disable accounts")))


@router.post("/users/{username}/enable", response_model=UserOut, summary="Re-enable an account (administrators)")
def post_enable(request: Request, username: Username) -> dict:
    return user_json(auth.set_active(store(request), username, True, api_user(request, ADMIN, "enable accounts")))


@router.post("/users/{username}/password", response_model=UserOut,
             summary="Reset an account's password (administrators); ends its sessions and lockouts")
def post_password(body: PasswordReset, request: Request, username: Username) -> dict:
    actor = api_user(request, ADMIN, "reset passwords")
    return user_json(auth.reset_password(store(request), username, body.password, actor))
