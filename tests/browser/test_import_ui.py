"""/import in Chromium: a rep uploads a German CSV, checks the automatic mapping, previews the rows and their
problems, runs the import and follows its progress to the end, then finds the error report."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes

# Industries come from the admins' list (seeded by m0030): a value outside it would be an invalid row.
CSV = """Firma;E-Mail;Telefon;Land;Branche
Nordlicht Reisen GmbH;info@nordlicht-ui.example;+49 40 5550101;Germany;Technology
Südwind Logistik AG;kontakt@suedwind-ui.example;;DE;Logistics
Ohne Adresse KG;keine-adresse;;DE;
Nordlicht Reisen;info@nordlicht-ui.example;;;
"""


def test_upload_map_preview_run(rep: Session, shots: Path, tmp_path: Path) -> None:
    page = rep.page("/import")
    expect(page.locator("h1")).to_have_text("Import")
    shot_sizes(page, shots, "import")
    source = tmp_path / "kunden.csv"
    source.write_bytes(CSV.encode("cp1252"))
    page.locator("select[name=entity]").select_option("customers")
    page.locator("input[name=file]").set_input_files(str(source))
    page.get_by_role("button", name="Upload").click()

    expect(page.locator("h2").filter(has_text="kunden.csv")).to_be_visible()
    mapping = page.locator("table[aria-label='Column mapping']")
    expect(mapping.locator("select[aria-label='Field for Firma']")).to_have_value("name")
    expect(mapping.locator("select[aria-label='Field for Land']")).to_have_value("country")
    page.get_by_role("button", name="Preview").click()
    counts = page.locator("[data-preview-counts]")
    expect(counts).to_have_text("4 rows: 2 new, 0 updated, 1 duplicates skipped, 1 invalid.")
    problems = page.locator("table[aria-label=Problems]")
    expect(problems).to_contain_text("'keine-adresse' is not a valid email address")
    expect(problems).to_contain_text("skipped: same email as row 2")
    # Südwind's phone is empty: its country stays under Country, every row has a cell under every header.
    grid = page.locator("[aria-label=Preview] table").first.evaluate(
        "t => ({heads: [...t.tHead.rows[0].cells].map(c => c.textContent),"
        " rows: [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent))})")
    assert all(len(row) == len(grid["heads"]) for row in grid["rows"]), grid
    suedwind = next(dict(zip(grid["heads"], row, strict=True)) for row in grid["rows"] if "Südwind" in "".join(row))
    assert suedwind["Phone"] == "" and suedwind["Country"] == "DE", grid
    shot_sizes(page, shots, "import-preview")

    page.get_by_role("button", name="Start import").click()
    expect(page.locator("[data-count=created]")).to_have_text("2")
    expect(page.locator(".badge").filter(has_text="done")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "4")
    report = page.get_by_role("link", name="Download error report")
    expect(report).to_be_visible()
    shot_sizes(page, shots, "import-done")
    found = rep.graphql("query { customers(first: 5, search: \"ui.example\") { totalCount } }")
    assert found["customers"]["totalCount"] == 2
