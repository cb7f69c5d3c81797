"""The booking page's template (rendered by backend/public/templates.py, on the public pages' base)."""

BOOKING = """{% extends "base.html" %}
{% block title %}Book a meeting with {{ owner.name }}{% endblock %}
{% block body %}
<div class="kicker"><span class="badge">Meeting</span><span>{{ minutes }} minutes</span></div>
<h1>Book a meeting with {{ owner.name }}</h1>
{% if flash %}<p class="flash {{ 'ok' if flash.ok else 'error' }}"
   role="{{ 'status' if flash.ok else 'alert' }}">{{ flash.message }}</p>{% endif %}
{% if state == "booked" %}
<p class="booked">Your meeting is booked for <strong>{{ booked }}</strong>.</p>
<p>An invitation is on its way to {{ contact_email }}; {{ owner.name }} has one too.</p>
{% elif state != "open" %}
<p>{{ closed }}</p>
{% else %}
<p>Hello {{ contact_name }}, pick a time that suits you{% if note %}:{% else %}.{% endif %}</p>
{% if note %}<div class="description">{{ note }}</div>{% endif %}
<p class="zone">Times are in <strong>{{ zone }}</strong> ({{ owner.name }}’s time zone).</p>
{% if days %}
<form method="post" action="/b/{{ token }}">
  <input type="hidden" name="csrf" value="{{ csrf }}">
  {% for day, slots in days %}
  <fieldset class="day">
    <legend>{{ day }}</legend>
    <div class="slots">
    {% for slot in slots %}
      <button class="slot secondary" type="submit" name="slot" value="{{ slot.value }}"
              aria-label="{{ day }}, {{ slot.label }}">{{ slot.label }}</button>
    {% endfor %}
    </div>
  </fieldset>
  {% endfor %}
</form>
{% else %}
<p>There is no free time left before this link expires. Please ask {{ owner.name }} for a new one.</p>
{% endif %}
<footer>This link works until {{ expires }}.</footer>
{% endif %}
{% endblock %}
"""
