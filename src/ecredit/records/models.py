"""Credit records as received, each version kept, and the submissions they came in."""

from django.db import models


class Submission(models.Model):
    """One file or API request that brought records in, with what became of them."""

    class Channel(models.TextChoices):
        API = "api", "API"
        FILE = "file", "file import"

    provider = models.CharField(max_length=64, db_index=True)
    type_name = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    filename = models.CharField(max_length=500, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    submitted_by = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL
    )
    received_at = models.DateTimeField(help_text="when the data reached the platform")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    received = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    corrected = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="the first rejected rows")
    dictionary_version = models.CharField(max_length=80)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "type_name", "received_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.provider}/{self.type_name} {self.filename or self.channel}"


class CreditRecord(models.Model):
    """One version of one record about an enterprise. Never edited: a correction is a new version."""

    type_name = models.CharField(max_length=64)
    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="records"
    )
    subject_id = models.CharField(max_length=200, help_text="subject as written in the record")
    provider = models.CharField(max_length=64)
    natural_key = models.CharField(max_length=500, help_text="the source's own id for the record")
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    values = models.JSONField()
    occurred_on = models.DateField(help_text="when the fact happened")
    received_at = models.DateTimeField(help_text="when the platform received it")
    content_hash = models.CharField(max_length=64)
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="records")
    row_number = models.PositiveIntegerField(null=True, blank=True)
    category = models.CharField(max_length=20)
    disclosure_level = models.CharField(max_length=12)
    public_until = models.DateField(
        null=True, blank=True, help_text="end of publicity; null: no end"
    )
    dictionary_version = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    ledger_index = models.BigIntegerField(
        null=True, blank=True, unique=True, help_text="its leaf in the verifiable ledger"
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["type_name", "provider", "natural_key", "version"],
                name="record_version_unique",
            )
        ]
        indexes = [
            models.Index(fields=["type_name", "provider", "natural_key", "is_current"]),
            models.Index(fields=["enterprise", "is_current", "occurred_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.type_name} {self.natural_key} v{self.version}"


class Withdrawal(models.Model):
    """A record version that stops counting and leaves public view from `effective_on`: found wrong
    on an objection, or repaired. The version itself is never edited; it stays in the archive of
    its subject and regulators. A later version of the record (a correction) is not withdrawn."""

    class Basis(models.TextChoices):
        OBJECTION = "objection", "objection upheld"
        REPAIR = "repair", "credit repair approved"

    record = models.OneToOneField(CreditRecord, on_delete=models.PROTECT, related_name="withdrawal")
    effective_on = models.DateField(help_text="the first day it no longer counts or is public")
    basis = models.CharField(max_length=12, choices=Basis.choices)
    reason = models.CharField(max_length=2000)
    decided_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    ledger_index = models.BigIntegerField(
        null=True, blank=True, unique=True, help_text="its leaf in the verifiable ledger"
    )

    class Meta:
        ordering = ["-effective_on", "-id"]

    def __str__(self) -> str:
        return f"{self.record} withdrawn from {self.effective_on} ({self.basis})"
