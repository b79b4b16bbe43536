"""Progress bars for long work on the command line (rich), silent when disabled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

_console = Console(stderr=True)


@contextmanager
def bar(
    label: str, total: int | None, *, enabled: bool = True, unit: str = "rows"
) -> Iterator[Callable[[int], None]]:
    """Yield `advance(n)`; shows rows per second and time left on stderr."""
    if not enabled or not _console.is_terminal:
        yield lambda n: None
        return
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=_console,
    ) as progress:
        task = progress.add_task(label, total=total, rate="")
        import time

        start = time.monotonic()
        done = 0
        pending = 0

        def advance(n: int) -> None:
            nonlocal done, pending
            done += n
            pending += n
            if pending >= 500 or (total is not None and done >= total):
                elapsed = max(time.monotonic() - start, 1e-6)
                progress.update(task, advance=pending, rate=f"{done / elapsed:,.0f} {unit}/s")
                pending = 0

        yield advance
        if pending:
            progress.update(task, advance=pending)
