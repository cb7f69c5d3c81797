"""Reading an uploaded spreadsheet as a stream of rows: CSV in whatever encoding and delimiter a spreadsheet
program exports (UTF-8 with or without BOM, UTF-16, Windows-1252/Latin-1; `,` `;` tab `|`), or XLSX.

Rows are yielded one at a time and never collected, so memory stays flat however long the file is.
Row numbers are the spreadsheet's: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from backend.errors import BadUserInput

SAMPLE = 64 * 1024
DELIMITERS = ",;\t|"
# A cell this long is no spreadsheet value: it is a file read with the wrong delimiter or quoting.
csv.field_size_limit(1_000_000)


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == b"PK\x03\x04"


def encoding_of(sample: bytes) -> str:
    """The text encoding of a CSV file, judged by its first bytes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample[:200].count(b"\x00") > len(sample[:200]) // 4:  # UTF-16 without a BOM: every other byte is zero
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"  # what Excel on Windows writes as "CSV": Latin-1 plus € and typographic quotes
    except UnicodeDecodeError:
        return "latin-1"


def delimiter_of(text: str) -> str:
    lines = text.splitlines()[:20]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


class Sheet:
    """An uploaded file: its header and its data rows, read afresh (streamed) on every pass."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.xlsx = is_xlsx(path)
        if not self.xlsx:
            with path.open("rb") as file:
                sample = file.read(SAMPLE)
            self.encoding = encoding_of(sample)
            self.delimiter = delimiter_of(sample.decode(self.encoding, errors="ignore"))
        header = next(self._raw(), None)
        if header is None or not any(header):
            raise BadUserInput("file", "is empty: the first row must name the columns")
        # A header cell may wrap over lines in a spreadsheet ("Phone\n(mobile)"); as a column name it is one line.
        self.columns = [" ".join(name.split()) or f"Column {i + 1}" for i, name in enumerate(header)]

    def _raw(self) -> Iterator[list[str]]:
        if self.xlsx:
            yield from self._xlsx_rows()
            return
        with self.path.open(encoding=self.encoding, newline="") as file:
            try:
                for row in csv.reader(file, delimiter=self.delimiter):
                    yield [cell.strip() for cell in row]
            except UnicodeDecodeError as error:
                raise BadUserInput("file", f"is not valid {self.encoding} text ({error.reason}): save it as UTF-8") from None
            except csv.Error as error:
                raise BadUserInput("file", f"is not a readable CSV file: {error}") from None

    def _xlsx_rows(self) -> Iterator[list[str]]:
        from openpyxl import load_workbook  # imported on use: a CSV import never pays for it

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged or foreign zip
            raise BadUserInput("file", f"is not a readable XLSX workbook ({type(error).__name__})") from None
        try:
            sheet = workbook.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                yield [_cell(value) for value in values]
        finally:
            workbook.close()

    def rows(self, skip: int = 0) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells padded to the header's width) for each data row after the first `skip` ones."""
        width = len(self.columns)
        raw = self._raw()
        next(raw, None)
        for index, cells in enumerate(raw):
            if index < skip:
                continue
            yield index + 2, (cells + [""] * width)[:width] if len(cells) != width else cells

    def count(self) -> int:
        return sum(1 for _ in self.rows())


def csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def csv_text(columns: list[str], rows: list[list[str]]) -> str:
    """A small CSV (a template) as text, with a BOM so Excel reads it as UTF-8."""
    return "\ufeff" + "".join(csv_line(row) for row in [columns, *rows])
