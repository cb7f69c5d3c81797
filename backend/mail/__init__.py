"""Outgoing email: rendering from templates (render.py) and sending over SMTP (smtp.py)."""
