"""Stored files (attachments): where their bytes live, and what the bytes are."""
