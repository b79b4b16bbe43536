"""Writes for organisations, users and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ecredit.accounts.models import (
    ROLES_BY_KIND,
    ApiToken,
    Membership,
    Organisation,
    OrganisationKind,
)
from ecredit.accounts.principals import Actor
from ecredit.audit import actions as audit
from ecredit.core.dictionary import load_dictionary
from ecredit.entities.models import Enterprise

TOKEN_PREFIX = "ecr_"  # noqa: S105 - a prefix, not a secret
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
    return base or "org-" + secrets.token_hex(4)


@transaction.atomic
def create_organisation(
    actor: Actor,
    *,
    kind: str,
    name: str,
    key: str | None = None,
    provider_key: str = "",
    enterprise: Enterprise | None = None,
) -> Organisation:
    """Register an organisation; an enterprise organisation is tied to its `Enterprise`."""
    if kind not in OrganisationKind.values:
        raise AccountError(f"kind {kind!r} is not one of {', '.join(OrganisationKind.values)}")
    name = name.strip()
    if not name or len(name) > 200:
        raise AccountError("name must be 1-200 characters")
    key = (key or _slug(provider_key or name)).strip().lower()
    if not _KEY_RE.match(key):
        raise AccountError(f"key {key!r} must be lower-case letters, digits and '-', at most 64")
    if Organisation.objects.filter(key=key).exists():
        raise AccountError(f"an organisation with key {key!r} already exists")
    if provider_key:
        if kind not in (OrganisationKind.DEPARTMENT, OrganisationKind.PLATFORM):
            raise AccountError("only departments and platforms submit data as a provider")
        providers = load_dictionary().providers
        if provider_key not in providers:
            raise AccountError(
                f"provider {provider_key!r} is not in the data-sharing responsibility list; "
                f"known: {', '.join(providers)}"
            )
    if kind == OrganisationKind.ENTERPRISE:
        if enterprise is None:
            raise AccountError("an enterprise organisation needs --subject-id of its enterprise")
        if Organisation.objects.filter(enterprise=enterprise).exists():
            raise AccountError(f"enterprise {enterprise.subject_id} already has an organisation")
    elif enterprise is not None:
        raise AccountError("only an enterprise organisation is tied to an enterprise")
    org = Organisation.objects.create(
        key=key, name=name, kind=kind, provider_key=provider_key, enterprise=enterprise
    )
    audit.record(actor, "organisation.create", "organisation", org.key, kind=kind, name=name)
    return org


@transaction.atomic
def create_token(
    actor: Actor, organisation: Organisation, role: str, name: str = ""
) -> tuple[ApiToken, str]:
    """Create an API token; returns the stored row and the token text, which is never stored."""
    allowed = ROLES_BY_KIND[organisation.kind]
    if role not in allowed:
        raise AccountError(
            f"role {role!r} is not available to a {organisation.kind} organisation; "
            f"choose one of {', '.join(allowed)}"
        )
    if role == "submitter" and not organisation.provider_key:
        raise AccountError(f"{organisation.key} has no provider key, so it cannot submit records")
    secret = secrets.token_urlsafe(32)
    text = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken.objects.create(
        organisation=organisation,
        role=role,
        name=name[:100],
        prefix=text[:12],
        token_hash=hash_token(text),
        created_by=actor.label,
    )
    audit.record(
        actor, "token.create", "organisation", organisation.key, role=role, prefix=token.prefix
    )
    return token, text


@transaction.atomic
def revoke_token(actor: Actor, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor, "token.revoke", "organisation", token.organisation.key, prefix=token.prefix)


@dataclass(frozen=True)
class UserAccount:
    username: str
    organisation: str
    role: str


@transaction.atomic
def create_user(
    actor: Actor,
    *,
    username: str,
    password: str,
    organisation: Organisation,
    role: str,
    staff: bool = False,
) -> UserAccount:
    """Create a login for a person in an organisation with one role."""
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise AccountError(f"role {role!r} is not available to a {organisation.kind} organisation")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise AccountError(f"user {username!r} already exists")
    user = user_model.objects.create_user(username=username, password=password)
    if staff:
        user.is_staff = True
        user.is_superuser = role == "admin"
        user.save(update_fields=["is_staff", "is_superuser"])
    Membership.objects.create(user=user, organisation=organisation, role=role)
    audit.record(actor, "user.create", "user", username, organisation=organisation.key, role=role)
    return UserAccount(username=username, organisation=organisation.key, role=role)


def authenticate_token(text: str) -> Actor | None:
    """The actor behind a bearer token, or None when it is unknown or revoked."""
    if not text.startswith(TOKEN_PREFIX) or len(text) > 200:
        return None
    token = (
        ApiToken.objects.select_related("organisation")
        .filter(token_hash=hash_token(text), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    org = token.organisation
    return Actor(
        label=f"token:{token.prefix}",
        role=token.role,
        organisation_id=org.pk,
        organisation_kind=org.kind,
        provider_key=org.provider_key,
        enterprise_id=org.enterprise_id,
        token_id=token.pk,
    )


def actor_for_user(user: object) -> Actor | None:
    """The actor for a logged-in web user (their first membership), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    m = Membership.objects.select_related("organisation").filter(user=user).first()
    if m is None:
        role = "admin" if getattr(user, "is_superuser", False) else "reader"
        return Actor(label=f"user:{user}", role=role)
    org = m.organisation
    return Actor(
        label=f"user:{user}",
        role=m.role,
        organisation_id=org.pk,
        organisation_kind=org.kind,
        provider_key=org.provider_key,
        enterprise_id=org.enterprise_id,
    )
