"""Credit certificates issued as W3C Verifiable Credentials, and their revocation."""

from django.db import models


class Certificate(models.Model):
    """One issued certificate: what it states, its token, and whether it was revoked."""

    credential_id = models.CharField(max_length=60, unique=True, help_text="urn:uuid:…")
    enterprise = models.ForeignKey(
        "entities.Enterprise", on_delete=models.PROTECT, related_name="certificates"
    )
    evaluation = models.ForeignKey(
        "ratings.Evaluation", on_delete=models.PROTECT, related_name="certificates"
    )
    grade = models.CharField(max_length=3)
    risk_class = models.CharField(max_length=1)
    score = models.PositiveSmallIntegerField()
    as_of = models.DateField()
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    status_index = models.PositiveIntegerField(
        unique=True, help_text="its entry in the revocation status list (drawn at random)"
    )
    token = models.TextField(help_text="the signed credential (application/vc+jwt)")
    issued_by = models.CharField(max_length=200)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=200, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.credential_id} {self.grade}"
