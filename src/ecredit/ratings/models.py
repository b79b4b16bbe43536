"""Evaluations: a score, grade and risk class for an enterprise as of a date, and how they were made."""

from django.db import models


class ModelVersion(models.Model):
    """A trained model: a versioned artefact with its hash, training-data hash, features,
    parameters, validation metrics and the frozen map from its risk to the published score.

    One champion per indicator system grades the enterprises; challengers are scored beside it.
    """

    CHAMPION, CHALLENGER, RETIRED = "champion", "challenger", "retired"
    STATUSES = [(CHAMPION, "champion"), (CHALLENGER, "challenger"), (RETIRED, "retired")]

    version = models.CharField(max_length=80, unique=True)
    family = models.CharField(max_length=40)
    system_version = models.CharField(
        max_length=100, help_text="the indicator system whose features and vetoes it uses"
    )
    target = models.CharField(max_length=80)
    policy_version = models.CharField(max_length=100)
    as_of = models.DateField(help_text="training used only what was known on this date")
    features = models.JSONField(help_text="feature keys, in the order the model reads them")
    params = models.JSONField()
    seed = models.IntegerField(default=0)
    artefact = models.CharField(max_length=300, help_text="file under ECREDIT_DATA_DIR/models/")
    artefact_sha256 = models.CharField(max_length=64)
    training_data_sha256 = models.CharField(max_length=64)
    split = models.JSONField(help_text="observation dates and row counts of train and test")
    metrics = models.JSONField(help_text="validation report on the out-of-time test set")
    score_map = models.JSONField(help_text="frozen risk -> score knots (NormalScoreMap)")
    reference = models.JSONField(help_text="per feature, the median among good training rows")
    plots = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=STATUSES, default=CHALLENGER)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["system_version"],
                condition=models.Q(status="champion"),
                name="one_champion_per_system",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.status})"


class EvaluationRun(models.Model):
    """One evaluation of the whole population as of a date with one indicator system."""

    as_of = models.DateField()
    system_version = models.CharField(max_length=100)
    dictionary_version = models.CharField(max_length=80)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(max_length=200)
    evaluated = models.PositiveIntegerField(default=0)
    grade_counts = models.JSONField(default=dict, blank=True)
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    normality = models.JSONField(
        null=True, blank=True, help_text="Jarque-Bera and moments of this run's published scores"
    )
    challengers = models.JSONField(
        default=dict, blank=True, help_text="per challenger: agreement with the champion"
    )

    class Meta:
        ordering = ["-as_of", "-id"]

    def __str__(self) -> str:
        return f"run #{self.pk} as of {self.as_of} ({self.system_version})"


class Evaluation(models.Model):
    """The grade of one enterprise in one run, with every number that led to it."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="evaluations")
    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.CASCADE, related_name="evaluations"
    )
    as_of = models.DateField()
    score = models.PositiveSmallIntegerField()
    grade = models.CharField(max_length=3, db_index=True)
    risk_class = models.CharField(max_length=1, db_index=True)
    dimension_scores = models.JSONField()
    contributions = models.JSONField()
    vetoes = models.JSONField(default=list)
    features = models.JSONField()
    reasons_zh = models.JSONField(default=list)
    reasons_en = models.JSONField(default=list)
    what_if = models.JSONField(
        default=dict, blank=True, help_text="the smallest own changes that lift the grade one step"
    )
    system_version = models.CharField(max_length=100)
    policy_version = models.CharField(max_length=100, blank=True)
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    risk = models.FloatField(
        null=True, blank=True, help_text="the champion's probability of a serious event"
    )
    challenger_scores = models.JSONField(default=dict, blank=True)
    candidate_grade = models.CharField(
        max_length=3,
        blank=True,
        help_text="the grade the score and vetoes give, before the move rules",
    )
    rule = models.CharField(
        max_length=40, blank=True, help_text="the policy rule that set the grade"
    )
    rule_reason_zh = models.CharField(max_length=300, blank=True)
    rule_reason_en = models.CharField(max_length=300, blank=True)
    evidence = models.JSONField(default=list, blank=True, help_text="records that moved the grade")
    state = models.JSONField(default=dict, blank=True, help_text="what the policy remembers")
    is_latest = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ledger_index = models.BigIntegerField(
        null=True, blank=True, unique=True, help_text="its leaf in the verifiable ledger"
    )

    class Meta:
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "enterprise"], name="evaluation_once_per_run")
        ]
        indexes = [models.Index(fields=["enterprise", "is_latest"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.grade} ({self.score}) as of {self.as_of}"


class NegativePoolEntry(models.Model):
    """A stay of an enterprise in the negative-list pool: why it entered, and when and why it left."""

    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.CASCADE, related_name="negative_pool_entries"
    )
    entered_on = models.DateField()
    entered_by = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="pool_entries"
    )
    reason = models.CharField(max_length=300)
    left_on = models.DateField(null=True, blank=True)
    left_by = models.ForeignKey(
        Evaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="pool_exits"
    )
    ledger_index = models.BigIntegerField(
        null=True, blank=True, unique=True, help_text="the leaf of the decision to enter"
    )
    left_ledger_index = models.BigIntegerField(
        null=True, blank=True, unique=True, help_text="the leaf of the decision to leave"
    )

    class Meta:
        ordering = ["-entered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(left_on__isnull=True),
                name="one_open_pool_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} in pool since {self.entered_on}"
