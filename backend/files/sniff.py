"""What a file is, read from its first bytes: a client's Content-Type and file name are never believed.

Only the types the CRM may store are recognised; anything else is `application/octet-stream`, which the
default allow-list refuses. Text that a browser could take for markup (HTML, SVG, XML, script) is named as
such so the allow-list can refuse it, whatever the file claims to be.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HEAD_BYTES = 8192  # enough for every signature below and a fair look at text

# Types a browser may show inline from /files/{id}/preview (with a CSP that runs nothing).
PREVIEWABLE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # legacy .doc / .xls / .ppt / .msg
)
# Office Open XML and OpenDocument files are zip archives; what they hold tells them apart.
_OOXML = {"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe", b"<meta",
           b"<object", b"<embed", b"<style", b"<a ", b"<img", b"<div", b"<table", b"<form", b"<!--")


def sniff(path: Path) -> str:
    """The content type of the file at `path`, from its bytes alone."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    return _text_kind(head)


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared
            for prefix, kind in _OOXML.items():
                if any(name.startswith(prefix) for name in names):
                    return kind
    except (zipfile.BadZipFile, OSError, ValueError):
        return "application/octet-stream"
    return "application/zip"


def _text_kind(head: bytes) -> str:
    if b"\x00" in head:
        return "application/octet-stream"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    # Browsers sniff markup anywhere near the start; so does this, over the whole head.
    if text.startswith(b"<") or any(tag in head.lower() for tag in _MARKUP):
        return "text/html"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a character cut at the end of the head is still text
            return "application/octet-stream"
    return "text/plain"
