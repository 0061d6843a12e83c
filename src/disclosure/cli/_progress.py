"""Progress bars for long commands: on a terminal only, nothing extra when piped."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

#: Told how many more items are done.
Advance = Callable[[int], None]


def _ignore(n: int) -> None:
    del n


@contextmanager
def progress(
    label: str, total: int | None = None, *, file: IO[str] | None = None
) -> Iterator[Advance]:
    """A rich progress bar on stderr while the block runs; its ``advance`` is yielded.

    Shown only when the output (stderr, or ``file``) is a terminal, and
    removed when done, so piped and captured output stays exactly as before.
    ``total`` None shows a count and a rate without a bar's end.
    """
    stream = file if file is not None else sys.stderr
    if not stream.isatty():
        yield _ignore
        return
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

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    if total is not None:
        columns += [TaskProgressColumn(), TimeRemainingColumn()]
    columns.append(TimeElapsedColumn())
    console = Console(file=stream, force_terminal=True)
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
