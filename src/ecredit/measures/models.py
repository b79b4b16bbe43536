"""Credit checks (信用核查) that departments run before they grant or admit, and what they did.

A check stores the enterprise's standing and the measures that applied as the department saw
them, with the catalogue version, so the answer can be shown again later exactly as it was given.
The department's feedback closes the loop: which measure it applied and how.
"""

from django.db import models


class CreditCheck(models.Model):
    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="credit_checks"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT
    )
    checked_by = models.CharField(max_length=200)
    context = models.CharField(max_length=20, db_index=True)
    purpose = models.CharField(max_length=300, blank=True)
    as_of = models.DateField()
    catalogue_version = models.CharField(max_length=40)
    catalogue_sha256 = models.CharField(max_length=64)
    standing = models.JSONField(help_text="grade, class, lists and pool, with their ledger leaves")
    measures = models.JSONField(help_text="the measures that applied, with their grounds")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "checked_at"])]

    def __str__(self) -> str:
        return f"check #{self.pk} {self.context} by {self.checked_by}"


class CheckFeedback(models.Model):
    """What the department did with a check: one answer per check, replaced by a later one."""

    class Outcome(models.TextChoices):
        GRANTED = "granted", "granted or admitted"
        RESTRICTED = "restricted", "restricted as the measures say"
        REFUSED = "refused", "refused"
        REWARDED = "rewarded", "granted with the reward measures"
        PENDING = "pending", "still deciding"

    check_ref = models.ForeignKey(CreditCheck, on_delete=models.CASCADE, related_name="feedback")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    measures_applied = models.JSONField(default=list, help_text="ids of the measures applied")
    note = models.CharField(max_length=1000, blank=True)
    given_by = models.CharField(max_length=200)
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome} on check #{self.check_ref_id}"
