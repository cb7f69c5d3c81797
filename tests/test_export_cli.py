"""`crm export` as users run it: a separate process, the whole list as the system or as the user given."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import openpyxl

from tests.test_cli import count, crm


def add_rep(database: Path, email: str) -> None:
    """A sales rep in no team and managing nobody: by the row rules, they see none of the customers."""
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO crm_user (version, created_at, updated_at, email, name, role, time_zone, active) "
                     "VALUES (1, '2026-01-01', '2026-01-01', ?, 'Rep', 'sales_rep', 'UTC', 1)", (email,))


def test_export_the_whole_list_or_what_a_user_sees(tmp_path: Path) -> None:
    assert crm(tmp_path, "seed", "--customers", "7").returncode == 0
    add_rep(tmp_path / "crm.sqlite3", "lonely@example.com")

    everything = crm(tmp_path, "export", "customers", str(tmp_path / "all.csv"))
    assert everything.returncode == 0, everything.stderr
    assert "Exported 7 customers" in everything.stdout
    rows = list(csv.reader(io.StringIO((tmp_path / "all.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Name" and len(rows) == 8 and all(r[2].startswith("+49 30 ") for r in rows[1:])

    searched = crm(tmp_path, "export", "customers", str(tmp_path / "one.xlsx"), "--view", f"q={rows[1][0]}")
    assert searched.returncode == 0, searched.stderr
    sheet = openpyxl.load_workbook(tmp_path / "one.xlsx", read_only=True).worksheets[0]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [rows[1][0]]

    theirs = crm(tmp_path, "export", "customers", str(tmp_path / "rep.csv"), "--as", "lonely@example.com")
    assert theirs.returncode == 0 and "Exported 0 customers" in theirs.stdout
    assert (tmp_path / "rep.csv").read_text(encoding="utf-8-sig").splitlines() == [",".join(rows[0])]
    assert count(tmp_path / "crm.sqlite3", "SELECT count(*) FROM audit_entry WHERE action = 'export' AND via = 'cli'") == 3

    unknown = crm(tmp_path, "export", "customers", str(tmp_path / "x.csv"), "--as", "nobody@example.com")
    assert unknown.returncode == 1 and "nobody@example.com was not found" in unknown.stderr
    bad = crm(tmp_path, "export", "invoices", str(tmp_path / "x.csv"))
    assert bad.returncode == 1 and "No list named 'invoices'" in bad.stderr
