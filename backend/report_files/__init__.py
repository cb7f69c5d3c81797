"""Reports as files: the report a user sees on /reports, read through the API as that user (so their row rules
apply), as a table (table.py), written to XLSX (xlsx.py) or PDF (pdf.py), and mailed weekly to those who
subscribed to a saved report (weekly.py)."""
