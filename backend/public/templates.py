"""HTML of the public campaign pages: small, self-contained (inline CSS, no script), escaped by Jinja2."""

from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape

from backend.public.booking_html import BOOKING
from backend.public.support_html import SUPPORT, SURVEY

BASE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="{{ robots | default('noindex' if embed or status != 200 else 'index') }}">
<link rel="icon" href="data:,">
<title>{% block title %}{% endblock %}</title>
{% block meta %}{% endblock %}
<style>
:root { --ink:#1d2433; --muted:#5b6478; --line:#e3e7ef; --accent:#2456d6; --ok:#16794a; --bad:#b42318; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink);
       background:{{ 'transparent' if embed else '#f4f6fa' }}; }
main { max-width:{{ '30rem' if embed else '42rem' }}; margin:{{ '0 auto' if embed else '2.5rem auto' }};
       padding:{{ '1rem' if embed else '2rem' }}; background:#fff; border-radius:14px;
       {{ '' if embed else 'box-shadow:0 1px 3px rgba(20,30,60,.08),0 8px 24px rgba(20,30,60,.06);' }} }
h1 { font-size:{{ '1.3rem' if embed else '1.9rem' }}; line-height:1.2; margin:.2rem 0 .6rem; }
.kicker { display:flex; gap:.5rem; flex-wrap:wrap; color:var(--muted); font-size:.85rem; }
.badge { background:#eef2fd; color:var(--accent); border-radius:99px; padding:.05rem .6rem; text-transform:capitalize; }
.description { white-space:pre-line; margin:1rem 0; }
.stats { display:flex; gap:1rem; margin:1.2rem 0; padding:0; list-style:none; }
.stats li { flex:1; text-align:center; border:1px solid var(--line); border-radius:10px; padding:.5rem; }
.stats b { display:block; font-size:1.35rem; }
.stats span { color:var(--muted); font-size:.8rem; }
.flash { border-radius:10px; padding:.7rem 1rem; margin:1rem 0; }
.flash.ok { background:#e9f7ef; color:var(--ok); }
.flash.error { background:#fdecea; color:var(--bad); }
form.like { margin:1rem 0; }
fieldset { border:1px solid var(--line); border-radius:12px; padding:1rem 1.2rem 1.2rem; margin:1.2rem 0 0; }
legend { font-weight:600; padding:0 .3rem; }
label { display:block; margin:.6rem 0 .2rem; font-size:.9rem; }
input[type=text], input[type=email], textarea { width:100%; font:inherit; padding:.55rem .7rem; border:1px solid #c9cfdb;
       border-radius:8px; }
input:focus, button:focus { outline:3px solid #b9ccf7; outline-offset:1px; }
.consent { display:flex; gap:.5rem; align-items:flex-start; font-size:.85rem; color:var(--muted); margin-top:.9rem; }
.consent input { margin-top:.25rem; }
button { font:inherit; font-weight:600; border:0; border-radius:8px; padding:.6rem 1.1rem; cursor:pointer;
         background:var(--accent); color:#fff; margin-top:1rem; }
button.secondary { background:#fff; color:var(--accent); border:1px solid #b9ccf7; margin:0; }
.invalid { border-color:var(--bad) !important; }
.field-error { color:var(--bad); font-size:.85rem; margin:.25rem 0 0; }
.address { overflow-wrap:anywhere; }
footer { color:var(--muted); font-size:.8rem; margin-top:1.5rem; }
fieldset.day { margin:1rem 0 0; }
.slots { display:flex; flex-wrap:wrap; gap:.5rem; }
button.slot { margin:0; min-width:5.2rem; font-variant-numeric:tabular-nums; }
.zone { color:var(--muted); font-size:.9rem; }
a { color:var(--accent); }
.trap { position:absolute; left:-10000px; width:1px; height:1px; overflow:hidden; }
</style>
</head>
<body><main>{% block body %}{% endblock %}</main></body>
</html>
"""

CAMPAIGN = """{% extends "base.html" %}
{% macro field(name, label, type, maxlength, autocomplete) %}
    <label for="{{ name }}">{{ label }}</label>
    <input id="{{ name }}" name="{{ name }}" type="{{ type }}" required maxlength="{{ maxlength }}"
           autocomplete="{{ autocomplete }}" value="{{ values[name] }}"
           {%- if errors[name] %} class="invalid" aria-invalid="true" aria-describedby="{{ name }}-error"{% endif %}>
    {% if errors[name] %}<p class="field-error" id="{{ name }}-error" role="alert">{{ errors[name] }}</p>{% endif %}
{% endmacro %}
{% block title %}{{ campaign.title }}{% endblock %}
{% block meta %}
<meta name="description" content="{{ campaign.description | truncate(160) }}">
<meta property="og:type" content="website">
<meta property="og:title" content="{{ campaign.title }}">
<meta property="og:description" content="{{ campaign.description | truncate(200) }}">
{% endblock %}
{% block body %}
<div class="kicker"><span class="badge">{{ campaign.type.value }}</span>{% if period %}<span>{{ period }}</span>{% endif %}</div>
<h1>{{ campaign.title }}</h1>
{% if flash %}<p class="flash {{ 'ok' if flash.ok else 'error' }}"
   role="{{ 'status' if flash.ok else 'alert' }}">{{ flash.message }}</p>{% endif %}
{% if not embed and campaign.description %}<div class="description">{{ campaign.description }}</div>{% endif %}
<ul class="stats" aria-label="Engagement">
  {% if not embed %}<li><b>{{ totals.views }}</b><span>views</span></li>{% endif %}
  <li><b>{{ totals.likes }}</b><span>likes</span></li>
  <li><b>{{ totals.enrolments }}</b><span>signed up</span></li>
</ul>
<form class="like" method="post" action="/c/{{ campaign.code }}/like{{ '?view=embed' if embed }}">
  <input type="hidden" name="csrf" value="{{ csrf }}">
  <input type="hidden" name="ref" value="{{ ref }}">
  <button class="secondary" type="submit" aria-pressed="{{ 'true' if liked else 'false' }}">{{ '♥ Liked' if liked else '♡ Like' }}</button>
</form>
<form method="post" action="/c/{{ campaign.code }}/enrol{{ '?view=embed' if embed }}">
  <fieldset>
    <legend>Sign up</legend>
    <input type="hidden" name="csrf" value="{{ csrf }}">
    <input type="hidden" name="ref" value="{{ ref }}">
    {{ field("name", "Name", "text", 200, "name") }}
    {{ field("email", "Email", "email", 254, "email") }}
    <label class="consent"><input type="checkbox" name="consent" value="yes" required
      {%- if values.consent in ("yes", "on", "true", "1") %} checked{% endif %}
      {%- if errors.consent %} aria-invalid="true" aria-describedby="consent-error"{% endif %}>
      <span>I agree to be contacted about “{{ campaign.title }}” and to have my name and email stored for it.</span></label>
    {% if errors.consent %}<p class="field-error" id="consent-error" role="alert">{{ errors.consent }}</p>{% endif %}
    <button type="submit">Sign up</button>
  </fieldset>
</form>
{% if embed %}<footer><a href="/c/{{ campaign.code }}" target="_blank" rel="noopener">About this campaign</a></footer>{% endif %}
{% endblock %}
"""

MESSAGE = """{% extends "base.html" %}
{% block title %}{{ heading }}{% endblock %}
{% block body %}
<h1>{{ heading }}</h1>
<p>{{ message }}</p>
{% endblock %}
"""

PREFERENCES = """{% extends "base.html" %}
{% block title %}Email preferences{% endblock %}
{% block body %}
<div class="kicker"><span class="badge">Email preferences</span></div>
<h1>{{ 'Unsubscribe?' if confirm else 'Your email preferences' }}</h1>
{% if done %}<p class="flash ok" role="status">{{ done }}</p>{% endif %}
<p class="address">Address: <b>{{ email }}</b></p>
<p id="state">{% if subscribed %}You receive our marketing email (news, campaigns and greetings) at this address.
{% else %}You are unsubscribed: we send no marketing email to this address.{% endif %}</p>
{% if subscribed %}
<form method="post" action="/u/{{ token }}/unsubscribe">
  <input type="hidden" name="via" value="{{ 'link' if confirm else 'preferences' }}">
  <button type="submit">Unsubscribe from marketing email</button>
</form>
{% else %}
<form method="post" action="/u/{{ token }}/resubscribe">
  <input type="hidden" name="csrf" value="{{ csrf }}">
  <button class="secondary" type="submit">Subscribe again</button>
</form>
{% endif %}
<footer>Messages about your own orders, tickets or meetings are not marketing email and are not affected.</footer>
{% endblock %}
"""

_env = Environment(
    loader=DictLoader({"base.html": BASE, "campaign.html": CAMPAIGN, "message.html": MESSAGE,
                       "booking.html": BOOKING, "preferences.html": PREFERENCES,
                       "support.html": SUPPORT, "survey.html": SURVEY}),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(name: str, **context: Any) -> str:
    context.setdefault("embed", False)
    context.setdefault("status", 200)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return _env.get_template(name).render(**context)
