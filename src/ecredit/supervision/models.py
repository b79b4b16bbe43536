"""Differentiated supervision: inspectors, conflicts of interest, inspection plans and results."""

from django.db import models


class Inspector(models.Model):
    """A law-enforcement officer in the pool that inspection plans draw from (执法检查人员名录库)."""

    code = models.SlugField(max_length=40, unique=True, help_text="the public id drawn by plans")
    name = models.CharField(max_length=100)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspectors",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ConflictOfInterest(models.Model):
    """An inspector's declared conflict of interest with an enterprise: never assigned to it."""

    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="conflicts")
    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="inspector_conflicts"
    )
    reason = models.CharField(max_length=300)
    declared_at = models.DateTimeField(auto_now_add=True)
    declared_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["inspector__code", "enterprise__subject_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspector", "enterprise"], name="conflict_once")
        ]

    def __str__(self) -> str:
        return f"{self.inspector_id} ⟂ {self.enterprise_id}"


class InspectionPlan(models.Model):
    """A "double random, one public" plan: its population, ratios, commitment, draw and results.

    The seed is secret until the draw: it is stored here from the commitment on, and never
    served before the plan is drawn.
    """

    DRAFT, COMMITTED, DRAWN, REPORTED, CLOSED = "draft", "committed", "drawn", "reported", "closed"
    STATUSES = [
        (DRAFT, "draft"),
        (COMMITTED, "committed"),
        (DRAWN, "drawn"),
        (REPORTED, "results recorded"),
        (CLOSED, "closed"),
    ]

    public_id = models.CharField(max_length=40, unique=True, help_text="the id the draw hashes")
    name = models.CharField(max_length=200)
    region = models.CharField(
        max_length=6, blank=True, help_text="division-code prefix; blank: all"
    )
    provider = models.CharField(max_length=64, help_text="the provider its results are stored as")
    authority = models.CharField(max_length=100, help_text="the department that inspects")
    ratios = models.JSONField(help_text="risk class -> share drawn")
    ratios_source = models.CharField(max_length=40, help_text="plan, region <code> or default")
    rules_version = models.CharField(max_length=100)
    must_inspect_rules = models.JSONField(default=list, blank=True)
    inspectors = models.JSONField(default=list, help_text="inspector codes of the pool")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=STATUSES, default=DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200)
    # frozen at commitment
    as_of = models.DateField(null=True, blank=True, help_text="the day the population was frozen")
    population = models.JSONField(default=list, blank=True, help_text="[{key, class}] by key")
    population_hash = models.CharField(max_length=64, blank=True)
    must_inspect = models.JSONField(default=list, blank=True, help_text="[{key, rules}]")
    conflicts = models.JSONField(default=list, blank=True, help_text="[{inspector, key}]")
    seed = models.BinaryField(null=True, blank=True, editable=False)
    seed_commitment = models.CharField(max_length=64, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    commitment_ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)
    # the draw
    drawn_at = models.DateTimeField(null=True, blank=True)
    selected = models.JSONField(default=list, blank=True)
    assignments = models.JSONField(default=dict, blank=True)
    draw_ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.name} ({self.status})"

    @property
    def is_drawn(self) -> bool:
        return self.status in (self.DRAWN, self.REPORTED, self.CLOSED)


class InspectionResult(models.Model):
    """The result of one inspection of a plan, stored as an `inspection_result` credit record.
    A correction is a new version; the old one keeps its row, so each leaf keeps its claimant."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="results")
    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="inspection_results"
    )
    key = models.CharField(max_length=200, help_text="the enterprise's key in the plan")
    result = models.CharField(max_length=20)
    inspected_on = models.DateField()
    findings = models.TextField(blank=True)
    inspectors = models.JSONField(help_text="the two inspectors drawn")
    record = models.ForeignKey(
        "records.CreditRecord", on_delete=models.PROTECT, related_name="inspection_results"
    )
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True, help_text="false once a correction replaced it")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=200)
    ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["plan", "key", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "key"],
                condition=models.Q(is_current=True),
                name="one_current_result_per_plan",
            ),
            models.UniqueConstraint(fields=["plan", "key", "version"], name="result_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.key}: {self.result}"
