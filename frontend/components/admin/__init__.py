"""The sections of /admin (frontend/pages/admin.py lists them)."""
