"""The state file (`chatwoot-mock serve --state-file PATH`): written atomically, so a crash or a
kill mid-write leaves either the old file or the new one, never a broken one.

The document goes to a temporary file in the same directory (so the rename stays on one file
system), which is flushed and fsynced before `os.replace` puts it in place; the directory is then
fsynced so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from mockserver.chatwoot.profiles import Profile
from mockserver.chatwoot.store import Store
from mockserver.state.document import build_store, read_document


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def remove_leftovers(path: str | Path) -> None:
    """Temporary files a kill mid-write left beside the state file (the file itself is whole)."""
    target = Path(path)
    for leftover in target.parent.glob(_temporary_prefix(target) + "*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def write_atomically(path: str | Path, data: bytes) -> None:
    target = Path(path)
    directory = target.parent
    handle, temporary = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private (0600), which suits a document holding access tokens; an
        # existing state file keeps the mode its owner gave it.
        with contextlib.suppress(OSError):
            os.chmod(temporary, target.stat().st_mode & 0o777)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # some systems cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def load(path: str | Path, profile: Profile) -> Store:
    """The store a state file holds (what a restart serves). Raises StateDocumentError."""
    return build_store(read_document(path), profile)
