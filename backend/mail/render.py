"""Email bodies from Jinja2 templates: one folder entry per message kind, an HTML part (autoescaped) and a
text part, both from the same context, and a subject line.

`templates/<kind>.html`, `templates/<kind>.txt` and `templates/<kind>.subject.txt` in English, and
`<kind>.<language>.html` (…) in another language (mail/language.py), used when the reader's language has
them; every template gets `crm_url` (links back into the CRM) besides the caller's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from backend.mail import language as lang

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Autoescape for .html only: the text part and the subject are plain text, escaping would show &amp;.
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _template(kind: str, part: str, language: str) -> Template:
    """`<kind>.<language>.<part>`, or the English `<kind>.<part>` where that language has none."""
    env = _environment()
    if language != lang.FALLBACK and (TEMPLATES / f"{kind}.{language}.{part}").exists():
        return env.get_template(f"{kind}.{language}.{part}")
    return env.get_template(f"{kind}.{part}")


def render(kind: str, crm_url: str, language: str | None = None, **values: Any) -> Rendered:
    """The message `kind` in `language` (English where it has no templates, or the language is unknown)."""
    code = lang.known(language)
    context = {"crm_url": crm_url.rstrip("/"), **values}
    subject = _template(kind, "subject.txt", code).render(context)
    return Rendered(
        subject=" ".join(subject.split())[:300],  # one line, whatever the template's layout
        text=_template(kind, "txt", code).render(context),
        html=_template(kind, "html", code).render(context),
    )
