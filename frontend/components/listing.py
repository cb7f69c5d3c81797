"""What the lead and contact lists share: the view in the URL (search, filters, page), a search box that
waits for a pause in typing, the pager, and a table that turns into cards on a phone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from reactpy import component, html, use_async_effect, use_effect, use_ref, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend.components.ui import changed_value
from frontend.customer_filters import view_query
from frontend.router import use_nav


@dataclass(frozen=True)
class ListView:
    """A list's view as URL query parameters: changing it navigates, so it can be shared and bookmarked."""

    params: dict[str, str]
    apply: Callable[..., None]
    next_page: Callable[[str], None]
    previous_page: Callable[[], None]


def use_list_view(path: str) -> ListView:
    nav = use_nav()
    params = nav.route.query
    back_cursors, set_back_cursors = use_state(cast(tuple[str, ...], ()))

    def apply(**changes: str | None) -> None:
        """Change the view; any change but paging starts again at the first page."""
        if "after" not in changes:
            changes["after"] = None
            set_back_cursors(())
        changes.setdefault("deleted", None)  # the notice of a deletion that led here is no part of the view
        query = view_query(params, **changes)
        nav.navigate(f"{path}?{query}" if query else path, replace=True)

    def next_page(cursor: str) -> None:
        set_back_cursors(lambda stack: (*stack, params.get("after", "")))
        apply(after=cursor)

    def previous_page() -> None:
        previous = back_cursors[-1] if back_cursors else ""
        set_back_cursors(lambda stack: stack[:-1])
        apply(after=previous or None)

    return ListView(params, apply, next_page, previous_page)


@component
def SearchInput(value: str, on_search: Callable[[str], None], label: str, placeholder: str) -> VdomDict:
    text, set_text = use_state(value)
    sent = use_ref(value)

    @use_effect(dependencies=[value])
    def follow_location() -> None:
        if value != sent.current.strip():  # changed from outside (back button, a shared link)
            sent.current = value
            set_text(value)

    @use_async_effect(dependencies=[text])
    async def settle() -> None:
        if text.strip() == sent.current.strip():
            return
        await asyncio.sleep(0.3)  # wait for a pause in typing before searching
        sent.current = text
        on_search(text.strip())

    return html.input({"type": "search", "className": "search", "placeholder": placeholder, "aria-label": label,
                       "value": text, "onChange": lambda e: set_text(changed_value(e))})


def pager(view: ListView, page_info: dict[str, Any]) -> VdomDict:
    return html.div(
        {"className": "pager"},
        html.button({"className": "btn", "type": "button", "disabled": not page_info.get("hasPreviousPage"),
                     "onClick": lambda e: view.previous_page()}, "← Previous"),
        html.button({"className": "btn", "type": "button", "disabled": not page_info.get("hasNextPage"),
                     "onClick": lambda e: view.next_page(page_info["endCursor"])}, "Next →"),
    )


def card_table(label: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], keys: Sequence[str],
               stale: bool = False, wrap: Sequence[int] = (0, 1)) -> VdomDict:
    """A table on a wide screen, where the `wrap` columns (long names) may take two lines so every column
    fits; on a phone each row is a card, each cell labelled by its column (crm.css)."""
    return html.div(
        {"className": "table-wrap" + (" stale" if stale else "")},
        html.table(
            {"className": "table table-cards", "aria-label": label, "aria-busy": stale},
            html.thead(html.tr(*(html.th({"key": h or str(i)}, h) for i, h in enumerate(headers)))),
            html.tbody(*(
                html.tr({"key": key}, *(html.td({"key": str(i), "data-label": headers[i], "className": "wrap" if i in wrap else ""}, cell)
                                        for i, cell in enumerate(row)))
                for key, row in zip(keys, rows, strict=True)
            )),
        ),
    )


def list_head(title: str, total: int | None, noun: str, create: str | None, on_create: Callable[[Any], None],
              export: VdomDict | None = None) -> VdomDict:
    """A list's heading: its title, how many rows the view holds (`total`, None while loading), its export
    links and the button that opens the create form (`create`, its label; None when the user may not create)."""
    return html.div(
        {"className": "page-head"},
        html.div(html.h1(title),
                 html.p({"className": "subtle", "aria-live": "polite"}, fmt.plural(total, noun) if total is not None else "")),
        html.div({"className": "actions"}, export,
                 html.button({"className": "btn btn-primary", "type": "button", "onClick": on_create}, create)
                 if create else None),
    )


TITLES = {"csv": "CSV in UTF-8 with a byte order mark: Excel, LibreOffice and Numbers open accents right",
          "xlsx": "Excel workbook"}


def export_links(name: str, query: str) -> VdomDict:
    """Download the list's view (the screen's URL query) as CSV or XLSX: every page, as this user sees it."""
    suffix = f"?{query}" if query else ""
    return html.span(
        {"className": "export", "role": "group", "aria-label": "Export"},
        *(html.a({"key": kind, "className": "btn", "href": f"/ui/export/{name}.{kind}{suffix}", "download": True,
                  "title": TITLES[kind]}, f"Export {kind.upper()}") for kind in ("csv", "xlsx")),
    )


def owner_options(people: list[dict[str, Any]], me: str, empty: str | None = None) -> list[tuple[str, str]]:
    """People to pick as owner, the signed-in user first as "Me"."""
    options = [(p["id"], "Me" if p["id"] == me else p["name"]) for p in people]
    options.sort(key=lambda o: o[0] != me)
    return [("", empty), *options] if empty is not None else options


def people(data: dict[str, Any] | None, key: str) -> list[dict[str, Any]]:
    """The users of a `users` connection in `data` under `key`."""
    return [e["node"] for e in ((data or {}).get(key) or {}).get("edges", [])]
