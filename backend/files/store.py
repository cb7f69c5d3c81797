"""Where attachments' bytes live: CRM_DATA_DIR/attachments/<first two characters>/<id>.

Names on disk are the attachments' random ids, never the uploader's file names, so nothing a client sends
reaches a path. A file is written under a temporary name first and moved into place; a failed write leaves
no partial file behind. Files are removed only after the write that deleted their rows has committed.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from backend.settings import get_settings

CHUNK = 1024 * 1024
ID_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,32}$")
UNSAFE = re.compile(r'[\x00-\x1f\x7f"*/:<>?\\|]+')


def root() -> Path:
    return get_settings().data_dir / "attachments"


def new_id() -> str:
    return secrets.token_urlsafe(18)  # 24 characters, 144 random bits


def path_of(attachment_id: str) -> Path:
    if not ID_SHAPE.match(attachment_id):
        raise ValueError("not an attachment id")
    return root() / attachment_id[:2] / attachment_id


@dataclass(frozen=True)
class Received:
    """An upload written to a temporary file: its size, digest and place (not yet an attachment's)."""

    path: Path
    size: int
    sha256: str


class TooLarge(Exception):
    pass


def receive(source: BinaryIO, max_bytes: int) -> Received:
    """Copy `source` to a temporary file under the attachments folder, refusing it past `max_bytes`."""
    incoming = root() / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    path = incoming / new_id()
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Received(path, size, digest.hexdigest())


def keep(received: Received, attachment_id: str) -> Path:
    target = path_of(attachment_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(received.path, target)
    return target


def remove(attachment_ids: Iterable[str]) -> None:
    for attachment_id in attachment_ids:
        try:
            path_of(attachment_id).unlink(missing_ok=True)
        except (ValueError, OSError):
            continue  # a file already gone, or never written, is what removal wants


def clean_name(raw: str | None) -> str:
    """A file name safe to show and to send back in Content-Disposition: no folders, no control or
    reserved characters, no leading dots, at most 200 characters (the extension kept)."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = UNSAFE.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: 200 - len(suffix) - 1] + "." + suffix) if dot and len(suffix) <= 10 else name[:200]
    return name or "file"
