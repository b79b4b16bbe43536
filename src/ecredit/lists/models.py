"""List entries and their steps, objections, credit-repair applications and their attachments."""

from django.db import models

from ecredit.core.lists.workflow import STATES


class ListEntry(models.Model):
    """An enterprise's way onto one list: proposed, notified, decided, published, then removed
    (or dismissed, or revoked on an objection). Each step is a `ListStep` and a ledger leaf."""

    list_type = models.CharField(max_length=40, db_index=True)
    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="list_entries"
    )
    state = models.CharField(max_length=12, choices=[(s, s) for s in STATES], db_index=True)
    reason = models.CharField(max_length=2000, help_text="why it was proposed")
    evidence = models.JSONField(default=dict, help_text='{"records": [ids], "leaves": [indexes]}')
    proposed_on = models.DateField()
    proposed_by = models.CharField(max_length=200)
    notified_on = models.DateField(null=True, blank=True)
    objection_until = models.DateField(
        null=True, blank=True, help_text="the last day the enterprise may object"
    )
    decided_on = models.DateField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True, help_text="the last listed day; null: by rule")
    closed_on = models.DateField(null=True, blank=True)
    ledger_index = models.BigIntegerField(
        null=True, blank=True, help_text="the leaf of its latest step"
    )
    decision_ledger_index = models.BigIntegerField(
        null=True, blank=True, help_text="the leaf of the decision to list"
    )

    class Meta:
        ordering = ["-proposed_on", "-id"]
        verbose_name_plural = "list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["list_type", "enterprise"],
                condition=models.Q(state__in=["proposed", "notified", "decided", "published"]),
                name="one_open_entry_per_list",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.list_type} {self.enterprise_id} ({self.state})"


class ListStep(models.Model):
    """One step of a list entry: who, when, why, on what evidence."""

    entry = models.ForeignKey(ListEntry, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=12)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.CharField(max_length=200)
    reason = models.CharField(max_length=2000)
    evidence = models.JSONField(default=dict)
    ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["entry", "id"]

    def __str__(self) -> str:
        return f"entry #{self.entry_id}: {self.action} → {self.to_state} on {self.on}"


class Objection(models.Model):
    """An enterprise's objection (异议) to a record or a list entry about it, and the answer."""

    OPEN, UPHELD, REJECTED = "open", "upheld", "rejected"
    STATES = [(OPEN, "open"), (UPHELD, "upheld"), (REJECTED, "rejected")]

    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="objections"
    )
    record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    entry = models.ForeignKey(
        ListEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="objections"
    )
    reason = models.TextField(max_length=5000)
    filed_on = models.DateField()
    filed_at = models.DateTimeField(auto_now_add=True)
    filed_by = models.CharField(max_length=200)
    answer_due = models.DateField(help_text="the last day a regulator may answer")
    state = models.CharField(max_length=10, choices=STATES, default=OPEN, db_index=True)
    outcome = models.CharField(max_length=12, blank=True)
    answer = models.TextField(max_length=5000, blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answered_by = models.CharField(max_length=200, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)
    answer_ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"objection #{self.pk} to {self.target} ({self.state})"

    @property
    def target(self) -> str:
        return f"record:{self.record_id}" if self.record_id else f"entry:{self.entry_id}"


class RepairApplication(models.Model):
    """An application for credit repair (信用修复) of one record, and the decision on it."""

    OPEN, APPROVED, REJECTED = "open", "approved", "rejected"
    STATES = [(OPEN, "open"), (APPROVED, "approved"), (REJECTED, "rejected")]

    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="repair_applications"
    )
    record = models.ForeignKey(
        "records.CreditRecord", on_delete=models.PROTECT, related_name="repair_applications"
    )
    correction = models.TextField(max_length=5000, help_text="how the breach was corrected")
    commitment = models.TextField(max_length=5000, help_text="the public credit commitment")
    commitment_record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the commitment as published (a credit_commitment record)",
    )
    conditions = models.JSONField(default=dict, help_text="what the platform checked on filing")
    filed_on = models.DateField()
    filed_at = models.DateTimeField(auto_now_add=True)
    filed_by = models.CharField(max_length=200)
    decide_by = models.DateField(help_text="the last day a regulator may decide")
    state = models.CharField(max_length=10, choices=STATES, default=OPEN, db_index=True)
    decision = models.TextField(max_length=5000, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.CharField(max_length=200, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)
    decision_ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=models.Q(state="open"), name="one_open_repair"
            )
        ]

    def __str__(self) -> str:
        return f"repair #{self.pk} of record #{self.record_id} ({self.state})"


class Attachment(models.Model):
    """A file an enterprise attached, stored under ECREDIT_DATA_DIR/lists/ by its SHA-256."""

    objection = models.ForeignKey(
        Objection, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    repair = models.ForeignKey(
        RepairApplication,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.size} bytes, {self.sha256[:12]})"
