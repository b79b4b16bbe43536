"""Organisations, their people and their API tokens."""

from django.conf import settings
from django.db import models


class OrganisationKind(models.TextChoices):
    OPERATOR = "operator", "platform operator (ecredit staff)"
    DEPARTMENT = "department", "government department"
    PLATFORM = "platform", "e-commerce platform"
    EVALUATOR = "evaluator", "third-party credit evaluator"
    BANK = "bank", "bank or service provider"
    ENTERPRISE = "enterprise", "enterprise"


class Role(models.TextChoices):
    ADMIN = "admin", "administrator"
    SUBMITTER = "submitter", "data submitter"
    REGULATOR = "regulator", "regulator"
    EVALUATOR = "evaluator", "evaluator"
    READER = "reader", "report reader"
    ENTERPRISE = "enterprise", "enterprise representative"


# Which roles an organisation of each kind may hand out.
ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    OrganisationKind.OPERATOR: (Role.ADMIN, Role.EVALUATOR, Role.REGULATOR),
    OrganisationKind.DEPARTMENT: (Role.SUBMITTER, Role.REGULATOR),
    OrganisationKind.PLATFORM: (Role.SUBMITTER, Role.READER),
    OrganisationKind.EVALUATOR: (Role.EVALUATOR,),
    OrganisationKind.BANK: (Role.READER,),
    OrganisationKind.ENTERPRISE: (Role.ENTERPRISE,),
}


class Organisation(models.Model):
    """A department, platform, evaluator, bank or enterprise that uses ecredit."""

    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    provider_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="the data-dictionary provider this organisation submits as (departments, platforms)",
    )
    enterprise = models.OneToOneField(
        "entities.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="for an enterprise organisation: the enterprise it is",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class Membership(models.Model):
    """A user's role in an organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} @ {self.organisation.key}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tokens")
    role = models.CharField(max_length=20, choices=Role.choices)
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, help_text="first characters, to recognise a token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.role} @ {self.organisation.key})"
