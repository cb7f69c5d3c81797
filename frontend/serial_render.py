"""A page's components re-render one at a time, as in ReactPy 1.

ReactPy 2.0's default renders every component whose state changed in a task of its own, at once. When a
parent and one of its children both re-render (the customer page reloading its record while its overview
reloads the timeline, right after an activity was logged), both may unmount the same old child: the second
raises KeyError inside the layout, and ReactPy shows the component that raised as an empty element, here
the whole overview tab, until its next render (seen in browser runs under load; tests/browser/
test_serial_render_ui.py logs activities in a row on a busy page). The serial renderer takes one
component's render at a time from its queue, so a render sees the tree the previous one left.
"""

from __future__ import annotations

from reactpy.config import REACTPY_ASYNC_RENDERING


def install() -> None:
    REACTPY_ASYNC_RENDERING.current = False
