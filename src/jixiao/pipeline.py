"""File → forms: ingest, split into rows by layout, parse, normalise, flag (no LLM here)."""

from __future__ import annotations

from pathlib import Path

from jixiao.schema import FileResult


def normalize_bytes(data: bytes, name: str) -> FileResult:
    """Parse one source file's bytes into forms and rejects; never raises for bad input."""
    raise NotImplementedError


def normalize_path(path: Path) -> FileResult:
    """Parse one source file from disk."""
    return normalize_bytes(path.read_bytes(), str(path))
