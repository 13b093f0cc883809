"""Which text encoding a file is in, and where the first byte that does not decode is.

Text must be UTF-8 (a BOM is fine) or UTF-16/32 with a BOM; anything else is read as
Windows-1252/Latin-1 and the fallback is reported as a note naming the line and column of the
first bad byte, never silently.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError, cannot_read
from .progress import Reporter

BLOCK_BYTES = 8 * 1024 * 1024  # encoding check reads this much per progress report
_ENCODING_LABELS = {
    "cp1252": "Windows-1252 (Western European, a superset of Latin-1)",
    "latin-1": "Latin-1 (ISO-8859-1)",
}


class NotDecodable(Exception):
    """The parser met bytes that are not in the encoding it was given."""


def bom_encoding(file: Path, head: bytes) -> str:
    """The encoding a byte-order mark announces, else UTF-8 (after refusing binary content)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    zero = head.find(b"\x00")
    if zero >= 0:
        raise DataError(
            f"{file.name} is not a text table: it holds binary data (a zero byte at offset "
            f"{zero}); open a CSV, TSV, Parquet, Excel or JSON file."
        )
    return "utf-8"


def check_decodes(file: Path, encoding: str, size: int, report: Reporter) -> None:
    """Raise if ``file`` has bytes its byte-order mark's encoding cannot decode."""
    bad = _first_undecodable(file, encoding, size, report)
    if bad is not None:
        name = {"utf-8-sig": "UTF-8"}.get(encoding, encoding.upper())
        raise DataError(
            f"{file.name}: line {bad.line} is not valid {name} ({bad.describe()}), although the "
            f"file starts with a {name} byte-order mark; re-save it as UTF-8."
        )


def fallback_encoding(file: Path, size: int, report: Reporter, notes: list[str]) -> str:
    """Windows-1252 or Latin-1 for a file that is not UTF-8, with a note saying where it failed."""
    bad = _first_undecodable(file, "utf-8", size, report)
    fallback = "cp1252" if _first_undecodable(file, "cp1252", size, None) is None else "latin-1"
    notes.append(_fallback_note(file.name, bad, fallback))
    return fallback


def decode_or_fall_back(raw: bytes, encoding: str, name: str, notes: list[str]) -> tuple[str, str]:
    """(text, encoding) of a whole file held in memory: ``raw`` decoded as ``encoding``, else
    as Windows-1252 or Latin-1 with a note, as :func:`fallback_encoding` does on disk."""
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        bad = _BadByte(
            exc.start,
            raw.count(b"\n", 0, exc.start) + 1,
            len(raw[line_start : exc.start].decode(encoding, errors="replace")) + 1,
            raw[exc.start],
        )
    fallback = "cp1252"
    try:
        text = raw.decode(fallback)
    except UnicodeDecodeError:
        fallback = "latin-1"
        text = raw.decode(fallback)
    notes.append(_fallback_note(name, bad, fallback))
    return text, fallback


def _fallback_note(name: str, bad: _BadByte | None, fallback: str) -> str:
    where = f": line {bad.line} is not valid UTF-8 ({bad.describe()})" if bad else ""
    return (
        f"{name}{where}; it was read as {_ENCODING_LABELS[fallback]}, so check accented characters."
    )


@dataclass(frozen=True)
class _BadByte:
    offset: int  # from the start of the file
    line: int  # 1-based
    column: int  # 1-based, in characters
    byte: int

    def describe(self) -> str:
        return f"byte 0x{self.byte:02X} at column {self.column}"


def _first_undecodable(
    file: Path, encoding: str, size: int, report: Reporter | None
) -> _BadByte | None:
    """Where the first byte that does not decode in ``encoding`` is, or None if all do."""
    skip = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    if skip:  # decode after the BOM so offsets and columns count from the file's real start
        encoding = "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)()
    ascii_safe = codecs.lookup(encoding).name in ("utf-8", "cp1252", "iso8859-1")
    done = skip
    lines = 1
    line_start = skip
    bad: int | None = None
    try:
        with file.open("rb") as handle:
            handle.seek(skip)
            while block := handle.read(BLOCK_BYTES):
                pending = len(decoder.getstate()[0])  # bytes of a character cut by the block
                try:
                    if pending or not (ascii_safe and block.isascii()):
                        decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad = done + exc.start - pending
                    break
                lines += block.count(b"\n")
                newline = block.rfind(b"\n")
                if newline >= 0:
                    line_start = done + newline + 1
                done += len(block)
                if report is not None:
                    report(0.05 + 0.25 * done / max(size, 1), f"Checking the text of {file.name}")
            else:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    bad = done - len(decoder.getstate()[0])
            if bad is None:
                return None
            handle.seek(line_start)
            before = handle.read(bad - line_start) if bad > line_start else b""
            lines += before.count(b"\n")
            before = before[before.rfind(b"\n") + 1 :]
            handle.seek(bad)
            byte = handle.read(1)
    except OSError as exc:
        raise cannot_read(file, exc) from None
    column = len(before.decode(encoding, errors="replace")) + 1
    return _BadByte(bad, lines, column, byte[0] if byte else 0)
