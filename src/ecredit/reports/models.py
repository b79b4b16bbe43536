"""Issued credit reports, enterprises' consents to banks, and every read under a consent."""

from django.db import models


class ReportType(models.TextChoices):
    BASIC = "basic", "basic information report (基本信息报告)"
    STANDARD = "standard", "standard report (标准信用报告)"
    IN_DEPTH = "in-depth", "in-depth report (深度信用报告)"


class Audience(models.TextChoices):
    PUBLIC = "public", "public information only"
    ARCHIVE = "archive", "the whole archive (the enterprise, operators, or under its consent)"


class IssuedReport(models.Model):
    """A credit report as issued: its content hash is a `report/v1` ledger leaf."""

    number = models.CharField(max_length=32, unique=True)
    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="reports"
    )
    subject_id = models.CharField(max_length=200)
    report_type = models.CharField(max_length=10, choices=ReportType.choices)
    lang = models.CharField(max_length=5)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    as_of = models.DateField()
    issued_at = models.DateTimeField()
    issued_by = models.CharField(max_length=200)
    content = models.JSONField(help_text="the report's data, as rendered and embedded in the PDF")
    content_hash = models.CharField(max_length=64)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_path = models.CharField(max_length=300, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "report_type", "issued_at"])]

    def __str__(self) -> str:
        return f"{self.number} ({self.report_type}, {self.subject_id})"


class Consent(models.Model):
    """An enterprise lets an organisation (a bank, logistics or payment provider) read a report
    type for a purpose until a day; revocable at any time."""

    class Purpose(models.TextChoices):
        CREDIT_LINE = "credit_line", "credit line"
        PAYMENT_TERMS = "payment_terms", "payment terms"
        LOAN = "loan", "loan"
        LOGISTICS = "logistics", "logistics services"
        PAYMENT_SERVICE = "payment_service", "payment services"

    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="consents"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="consents_received"
    )
    report_type = models.CharField(max_length=10, choices=ReportType.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    granted_on = models.DateField()
    valid_until = models.DateField()
    granted_by = models.CharField(max_length=200)
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=200, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)
    revoke_ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return (
            f"consent {self.pk}: {self.enterprise_id} → {self.organisation_id} ({self.report_type})"
        )

    def current(self, today: object) -> bool:
        return self.revoked_at is None and self.granted_on <= today <= self.valid_until  # type: ignore[operator]


class ReportRead(models.Model):
    """One read of a report under a consent: who, when, for what, which report."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="reads")
    report = models.ForeignKey(IssuedReport, on_delete=models.PROTECT, related_name="reads")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="report_reads"
    )
    reader = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20)
    format = models.CharField(max_length=10)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-read_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reader} read {self.report_id} at {self.read_at}"
