"""The benchmark modules import, and the report writer renders a table from fake numbers (nothing is timed)."""

import importlib

import pytest

from bench import report
from bench.report import Column, Figure, Report


@pytest.mark.parametrize("module", ["bench.runner", "bench.load", "bench.limits", "bench.stack", "bench.facts", "bench.exports",
                                    "bench.custom_fields"])
def test_bench_modules_import(module):
    importlib.import_module(module)


def fake_report() -> Report:
    sqlite = Column("SQLite, 1 process", {
        "nested.sql": Figure("4 for data + 1 token lookup", True),
        "nested.floor": Figure("10.0 ms → ours 1.70×", False),
        "search.small": Figure("a | b"),
    }, ["seeded 10 customers in 1 s"])
    postgres = Column("PostgreSQL", {"writes.move": Figure.missing("moveDeal is not in the schema yet")})
    return Report("Fake run", [("Machine", "test")], [sqlite, postgres], {"search.small": "Search at 10"})


def test_report_renders_every_row_with_targets_and_marks():
    table = fake_report().table().splitlines()
    assert table[0] == "| Measurement | Target | SQLite, 1 process | PostgreSQL |"
    assert len(table) == 2 + len(report.ROWS)
    sql_row = next(line for line in table if "SQL statements" in line)
    assert "≤ 4 for its data" in sql_row and "4 for data + 1 token lookup ✅" in sql_row
    assert "ours 1.70× ❌" in next(line for line in table if "GraphQL floor" in line)
    assert "not measured: moveDeal is not in the schema yet" in next(line for line in table if "moveDeal" in line)
    search = next(line for line in table if line.startswith("| Search at 10 "))
    assert "a \\| b" in search  # a pipe in a figure does not split the cell
    assert table[-1].endswith("not measured: not run |")  # a cell nobody filled says so


def test_write_replaces_only_the_generated_block(tmp_path):
    path = tmp_path / "benchmarks.md"
    report.write(path, fake_report())
    text = path.read_text()
    assert text.count(report.BEGIN) == 1 and "- **Machine:** test" in text
    path.write_text("# Benchmarks\n\nProfile notes kept.\n\n" + text[text.index(report.BEGIN):] + "\nMore notes.\n")
    later = fake_report()
    later.title = "Second run"
    report.write(path, later)
    text = path.read_text()
    assert "Profile notes kept." in text and "More notes." in text
    assert "Second run" in text and "Fake run" not in text and text.count(report.BEGIN) == 1


def test_percentiles_use_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert report.percentile(values, 50) == 50.0
    assert report.percentile(values, 99) == 99.0
    assert report.percentile([3.0], 99) == 3.0
    assert report.p50_p99([0.001, 0.002]) == "1.0 ms / 2.0 ms (n=2)"


def test_the_floor_schema_prints_the_served_schemas_types():
    """The floor is the CRM's own types over memory: it builds with the served schema's scalars, and its
    customer type reads exactly as the served one does (a scalar the floor lacks fails here, not mid-bench)."""
    from backend.graphql.root import schema
    from bench.limits import floor_schema

    floor = floor_schema()
    assert str(floor._schema.get_type("Money")) == str(schema._schema.get_type("Money"))
    assert floor.as_str().count("scalar BigInt") == schema.as_str().count("scalar BigInt") == 1
