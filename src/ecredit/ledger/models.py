"""The verifiable ledger in the project database: the log's head, its nodes, its leaves, the signed
checkpoints and the witnesses' cosignatures. Written only through `ledger.actions`, in the same
transaction as the write each leaf records."""

from django.db import models


class LogHead(models.Model):
    """One row: the log's size, hash algorithm and origin. Locked (SELECT … FOR UPDATE) by every
    append, so leaves are numbered in commit order."""

    algorithm = models.CharField(max_length=8)
    origin = models.CharField(max_length=200)
    size = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.origin} ({self.algorithm}, {self.size} leaves)"


class NodeStrip(models.Model):
    """The node hashes created by appending the 32 leaves [32·strip, 32·strip + 32), concatenated
    in post-order key order (see `ecredit.core.ledger.store`)."""

    strip = models.BigIntegerField(primary_key=True)
    hashes = models.BinaryField()

    def __str__(self) -> str:
        return f"strip {self.strip}"


class Leaf(models.Model):
    """One leaf: its index, its RFC 8785 bytes (`core.ledger.leaves`) and its RFC 9162 hash."""

    index = models.BigIntegerField(primary_key=True)
    leaf_hash = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=20)
    data = models.BinaryField()
    appended_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]

    def __str__(self) -> str:
        return f"leaf {self.index} ({self.kind})"


class Checkpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note) of the log at a size."""

    size = models.BigIntegerField(unique=True)
    root = models.CharField(max_length=64)
    note = models.TextField(help_text="the signed note as issued by the log")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-size", "-id"]

    def __str__(self) -> str:
        return f"checkpoint at {self.size}"


class Witness(models.Model):
    """A witness whose cosignatures the log accepts and publishes (C2SP tlog-cosignature)."""

    name = models.CharField(max_length=200, unique=True)
    vkey = models.CharField(max_length=400, help_text="its verifier key, C2SP vkey format")
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Cosignature(models.Model):
    """A witness's cosignature of a checkpoint: the signature line it returned, verified."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.CASCADE, related_name="cosignatures"
    )
    witness = models.ForeignKey(Witness, on_delete=models.PROTECT, related_name="cosignatures")
    line = models.CharField(max_length=600)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="one_cosignature_each")
        ]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint}"
