"""The parties being rated and the identifiers they hold."""

from django.db import models


class EntityType(models.TextChoices):
    COMPANY = "company", "company (企业法人)"
    INDIVIDUAL_BUSINESS = "individual_business", "individual business (个体工商户)"
    FARMERS_COOPERATIVE = "farmers_cooperative", "farmers' cooperative (农民专业合作社)"
    SOCIAL_ORGANISATION = "social_organisation", "social organisation (社会组织)"
    NATURAL_PERSON_SHOP = "natural_person_shop", "natural-person online shop (自然人网店)"
    FOREIGN_COMPANY = "foreign_company", "foreign company (境外企业)"
    OTHER = "other", "other"
    UNKNOWN = "unknown", "not yet known"


ECOMMERCE_ROLES = (
    "platform_operator",
    "merchant",
    "self_built_site",
    "livestream_seller",
    "mcn",
    "cross_border",
    "logistics",
    "payment_service",
)


class Enterprise(models.Model):
    """Any party being rated: company, individual business, cooperative, online shop, foreign firm."""

    subject_id = models.CharField(
        max_length=200, unique=True, help_text="primary identifier, as written in records and URLs"
    )
    name = models.CharField(max_length=300, blank=True, db_index=True)
    name_en = models.CharField(max_length=300, blank=True)
    name_pinyin = models.CharField(
        max_length=1000,
        blank=True,
        help_text="the name's pinyin and its initials, for search (e.g. 'xihuhaowu xhhw')",
    )
    entity_type = models.CharField(
        max_length=30, choices=EntityType.choices, default=EntityType.UNKNOWN
    )
    roles = models.JSONField(default=list, blank=True, help_text="kinds of role in e-commerce")
    region_code = models.CharField(max_length=6, blank=True)
    status = models.CharField(max_length=20, blank=True)
    legal_representative = models.CharField(max_length=100, blank=True)
    address = models.CharField(max_length=500, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    provisional = models.BooleanField(
        default=False, help_text="created from a record about an unknown subject; to be completed"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["subject_id"]

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} [{self.subject_id}]"

    @property
    def display_name(self) -> str:
        return self.name or self.subject_id


class Identifier(models.Model):
    """One identifier of an enterprise; an identifier belongs to exactly one enterprise."""

    class Scheme(models.TextChoices):
        USCC = "uscc", "unified social credit code"
        LEI = "lei", "legal entity identifier"
        STORE = "store", "platform store id"
        FOREIGN = "foreign", "foreign registration number"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=10, choices=Scheme.choices)
    value = models.CharField(max_length=200, unique=True, help_text="canonical subject id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheme", "value"]

    def __str__(self) -> str:
        return self.value
