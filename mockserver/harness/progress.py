"""The progress bars of `contract`, `diff` and `record` (tqdm), on standard error.

By default a bar is drawn on a terminal only (tqdm's `disable=None`): a CI log gets the summary, not
hundreds of redrawn lines. `--progress` forces it, `--no-progress` turns it off.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm import tqdm


def progress_bar(enabled: bool | None, *, total: int | None, desc: str, unit: str = "it",
                 file: TextIO | None = None, **settings: Any) -> Any:
    """A tqdm bar (a context manager); `enabled` None means on a terminal only."""
    return tqdm(total=total, desc=desc, unit=unit, file=file or sys.stderr, leave=True, dynamic_ncols=True,
                disable=None if enabled is None else not enabled, mininterval=0.2, **settings)
