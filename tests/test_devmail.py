"""The development mail catcher's folder: a message still being written (a dot file renamed into place when
whole) is neither listed nor pruned, so a reader never opens a file the catcher is about to rename away."""

from __future__ import annotations

from pathlib import Path

from backend.devmail import whole_messages

WHOLE = ["1796097797721046890-919477aecfdd43819241187c30cb0622.eml",
         "1796097797721046891-019477aecfdd43819241187c30cb0622.eml"]


def test_only_whole_messages_are_caught(tmp_path: Path) -> None:
    for name in [*WHOLE, f".{WHOLE[0][:-4]}9.eml", "notes.txt"]:
        (tmp_path / name).write_text("Subject: hello\n\nbody\n")
    assert [path.name for path in whole_messages(tmp_path)] == WHOLE
