"""The public support form's template (rendered by backend/public/templates.py, on the public pages' base).

`website` is a honeypot: hidden from people (and from screen readers), filled in by form-filling bots."""

SUPPORT = """{% extends "base.html" %}
{% block title %}Support for {{ customer }}{% endblock %}
{% block body %}
<div class="kicker"><span class="badge">Support</span><span>{{ customer }}</span></div>
<h1>How can we help?</h1>
{% if flash %}<p class="flash {{ 'ok' if flash.ok else 'error' }}"
   role="{{ 'status' if flash.ok else 'alert' }}">{{ flash.message }}</p>{% endif %}
<form method="post" action="/support/{{ code }}" novalidate>
  <input type="hidden" name="csrf" value="{{ csrf }}">
  <div class="trap" aria-hidden="true">
    <label for="website">Leave this empty</label>
    <input type="text" id="website" name="website" tabindex="-1" autocomplete="off">
  </div>
  {% for name, label, kind in fields %}
  <label for="{{ name }}">{{ label }}</label>
  {% if kind == "textarea" %}
  <textarea id="{{ name }}" name="{{ name }}" rows="6" class="{{ 'invalid' if errors[name] }}">{{ values[name] }}</textarea>
  {% else %}
  <input type="{{ kind }}" id="{{ name }}" name="{{ name }}" value="{{ values[name] }}"
         class="{{ 'invalid' if errors[name] }}" {% if name == 'email' %}autocomplete="email"{% endif %}>
  {% endif %}
  {% if errors[name] %}<p class="field-error">{{ errors[name] }}</p>{% endif %}
  {% endfor %}
  <button type="submit">Send</button>
</form>
<footer>We answer by email, to the address you give.</footer>
{% endblock %}
"""

SURVEY = """{% extends "base.html" %}
{% block title %}How did we do?{% endblock %}
{% block body %}
<div class="kicker"><span class="badge">Support</span><span>{{ number }}</span></div>
<h1>How did we do?</h1>
<p>Your request “{{ subject }}” is resolved. How satisfied are you with the help you got?</p>
{% if flash %}<p class="flash {{ 'ok' if flash.ok else 'error' }}"
   role="{{ 'status' if flash.ok else 'alert' }}">{{ flash.message }}</p>{% endif %}
<form method="post" action="/s/{{ token }}">
  <input type="hidden" name="csrf" value="{{ csrf }}">
  <div class="slots">
  {% for score, label in scores %}
    <button class="slot {{ '' if chosen == score else 'secondary' }}" type="submit" name="score" value="{{ score }}"
            aria-label="{{ score }}: {{ label }}">{{ score }} · {{ label }}</button>
  {% endfor %}
  </div>
</form>
{% endblock %}
"""
