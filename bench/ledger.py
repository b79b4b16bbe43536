"""Verifiable ledger: append throughput and inclusion-proof latency, persisted in SQLite.

Appends N leaves (64 bytes of data each, default 1,000,000) in batches (default 10,000) to a
`MerkleTree` over `SqliteStore` in a temporary directory (WAL, synchronous=FULL: each batch is one
fsynced transaction), reopens the file, then serves P inclusion proofs (default 10,000) at random
leaves of the full tree and verifies each one offline against the root (leaf hashes recomputed from
the leaf data, not read from the store). Appends/s count only the time inside `append`; proof
latency is the time of `inclusion_proof` alone (the one query and the hashing of partial ranges).

The same appends are then timed with the store's index by leaf hash on (`find_leaf`, the by-hash
proof API): that index takes random writes by nature, so it is shown on a line of its own.

Anchors are the peers' published figures, not measured here: Trillian on MySQL about 500 appends/s
(its sequencer, one MySQL instance), Tessera on local disk (POSIX) about 10,000 appends/s.

Last, the application's path (`ledger.actions.append`, what every import, evaluation and list
decision calls): `--app-leaves` record/v1 leaves of realistic records (a store-metrics record with
rates and counts), canonical JSON encoding included, in transactions of `--app-batch` into the
project's SQLite database, with a signed checkpoint after each commit.

Run: uv run python bench/ledger.py [--leaves N] [--proofs P] [--batch B] [--algorithm sm3]
                                   [--app-leaves N] [--app-batch B]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ecredit.core.ledger import MerkleTree, SqliteStore, hasher, verify_inclusion

TRILLIAN_MYSQL = 500  # appends/s, published
TESSERA_POSIX = 10_000  # appends/s, published
SEED = b"ecredit-bench-ledger"


def leaf_data(start: int, count: int) -> list[bytes]:
    """64 bytes per leaf, a function of its index, so a verifier can recompute any leaf."""
    out = []
    for i in range(start, start + count):
        d = hashlib.sha256(SEED + i.to_bytes(8, "big")).digest()
        out.append(d + d[::-1])
    return out


def append_all(
    path: Path, leaves: int, batch: int, algorithm: str, index: bool
) -> tuple[float, int, bytes]:
    """Seconds inside `append`, the final size and root."""
    store = SqliteStore(path, algorithm=algorithm, index_leaf_hashes=index)
    tree = MerkleTree(store)
    spent = 0.0
    head = tree.head()
    for start in range(0, leaves, batch):
        data = leaf_data(start, min(batch, leaves - start))
        t0 = time.perf_counter()
        head = tree.append(data)
        spent += time.perf_counter() - t0
    store.close()
    return spent, head.size, head.root


def app_path(tmp: Path, leaves: int, batch: int) -> tuple[float, int]:
    """Seconds to append `leaves` record leaves through `ledger.actions.append`, and the size."""
    os.environ["ECREDIT_DATA_DIR"] = str(tmp / "app")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'app' / 'ecredit.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ecredit.web.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from ecredit.ledger import actions

    call_command("migrate", verbosity=0)
    rng = random.Random(7)

    def item(i: int) -> dict[str, object]:
        return {
            "type": "store_metrics",
            "provider": "platform-a",
            "natural_key": f"S{i % 5000:06d}|2026-{1 + i % 12:02d}",
            "version": 1,
            "subject_id": f"platform-a:S{i % 5000:06d}",
            "occurred_on": f"2026-{1 + i % 12:02d}-28",
            "received_at": "2026-11-30T08:00:00.123456+08:00",
            "content_hash": hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
            "values": {
                "store_id": f"S{i % 5000:06d}",
                "period": f"2026-{1 + i % 12:02d}",
                "orders": rng.randrange(10, 100_000),
                "order_defect_rate": round(rng.random() * 0.03, 5),
                "cancellation_rate": round(rng.random() * 0.05, 5),
                "late_shipment_rate": round(rng.random() * 0.08, 5),
                "rating": round(3 + 2 * rng.random(), 2),
                "platform": "示例电商平台",
            },
        }

    spent = 0.0
    for start in range(0, leaves, batch):
        items = [item(i) for i in range(start, min(leaves, start + batch))]
        t0 = time.perf_counter()
        with transaction.atomic():
            actions.append("record/v1", items)
        spent += time.perf_counter() - t0
    return spent, actions.tree().size


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--algorithm", default="sha256", choices=("sha256", "sm3"))
    parser.add_argument("--app-leaves", type=int, default=100_000)
    parser.add_argument("--app-batch", type=int, default=2_000)
    parser.add_argument(
        "--no-index-run", action="store_true", help="skip the run with the by-hash index"
    )
    args = parser.parse_args()
    h = hasher(args.algorithm)
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="ecredit-ledger-") as tmp:
        path = Path(tmp) / "log.sqlite"
        spent, size, root = append_all(path, args.leaves, args.batch, args.algorithm, False)
        rate = size / spent
        megabytes = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20
        print(
            f"append: {size:,} leaves of 64 bytes in batches of {args.batch:,}, {args.algorithm}, "
            f"SqliteStore (WAL, synchronous=FULL): {spent:.2f} s = {rate:,.0f} appends/s"
        )
        print(f"  file: {megabytes:.0f} MiB; root {root.hex()}")

        store = SqliteStore(path, index_leaf_hashes=False)  # reopened from disk
        tree = MerkleTree(store)
        if tree.root(size) != root:
            print("MISMATCH: the reopened log has a different root")
            return 1
        rng = random.Random(20260701)
        indices = [rng.randrange(size) for _ in range(args.proofs)]
        serve, check = [], []
        for index in indices:
            t0 = time.perf_counter()
            proof = tree.inclusion_proof(index, size)
            t1 = time.perf_counter()
            verify_inclusion(h.leaf(leaf_data(index, 1)[0]), index, size, proof, root, h)
            check.append(time.perf_counter() - t1)
            serve.append(t1 - t0)
        store.close()
        serve.sort()
        median, p99 = statistics.median(serve) * 1e3, percentile(serve, 0.99) * 1e3
        print(
            f"inclusion proofs: {len(indices):,} at random leaves of {size:,}, each verified: "
            f"median {median:.3f} ms, p99 {p99:.3f} ms, max {serve[-1] * 1e3:.3f} ms "
            f"(verification median {statistics.median(check) * 1e3:.3f} ms)"
        )

        indexed_rate = None
        if not args.no_index_run:
            path2 = Path(tmp) / "indexed.sqlite"
            spent2, size2, root2 = append_all(path2, args.leaves, args.batch, args.algorithm, True)
            indexed_rate = size2 / spent2
            with SqliteStore(path2) as indexed:
                probe = rng.randrange(size2)
                found = indexed.find_leaf(h.leaf(leaf_data(probe, 1)[0]))
            if root2 != root or found != probe:
                print("MISMATCH: the indexed log differs or cannot find a leaf by hash")
                return 1
            print(
                f"append with the index by leaf hash on: {spent2:.2f} s = "
                f"{indexed_rate:,.0f} appends/s (find_leaf checked)"
            )

        app_spent, app_size = app_path(Path(tmp), args.app_leaves, args.app_batch)
        app_rate = app_size / app_spent
        print(
            f"application path (ledger.actions.append, record/v1 leaves encoded, SQLite, a "
            f"checkpoint signed per commit): {app_size:,} leaves in transactions of "
            f"{args.app_batch:,}: {app_spent:.2f} s = {app_rate:,.0f} appends/s"
        )

    print(f"anchor Trillian on MySQL ~{TRILLIAN_MYSQL:,}/s: ours {rate / TRILLIAN_MYSQL:,.0f}x")
    print(f"anchor Tessera on local disk ~{TESSERA_POSIX:,}/s: ours {rate / TESSERA_POSIX:.1f}x")
    print(
        f"application path vs the anchors: {app_rate / TRILLIAN_MYSQL:,.0f}x Trillian, "
        f"{app_rate / TESSERA_POSIX:.1f}x Tessera"
    )
    met = rate >= 150_000 and median <= 0.2
    print(f"targets (>= 150,000 appends/s, <= 0.2 ms median proof): {'met' if met else 'MISSED'}")
    print(f"machine: {os.cpu_count()} CPUs, 1-minute load average {load:.2f} before the run")
    result = {
        "appends_per_s": round(rate),
        "proof_median_ms": round(median, 4),
        "proof_p99_ms": round(p99, 4),
        "appends_per_s_with_hash_index": None if indexed_rate is None else round(indexed_rate),
        "app_appends_per_s": round(app_rate),
        "leaves": size,
        "proofs": len(indices),
        "algorithm": args.algorithm,
        "anchor_trillian_mysql_appends_per_s": TRILLIAN_MYSQL,
        "anchor_tessera_posix_appends_per_s": TESSERA_POSIX,
        "ratio_trillian": round(rate / TRILLIAN_MYSQL, 1),
        "ratio_tessera": round(rate / TESSERA_POSIX, 2),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
