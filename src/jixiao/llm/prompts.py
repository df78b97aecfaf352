"""Prompts are versioned files in ``prompts/``, loaded by name and checked before use.

A prompt file is Markdown with a front matter and two sections::

    ---
    version: 3
    description: …
    ---
    === system ===
    …
    === user ===
    … $placeholders …

Placeholders are ``string.Template`` names (``$title``; a literal dollar is ``$$``), so the
JSON examples in a prompt need no escaping. The version and the file's sha256 go into the cache
key and the version into each repair's provenance: editing a prompt invalidates its cache.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from jixiao.errors import ConfigError

#: ``jixiao/prompts/``: in a checkout a link to ``prompts/`` at the repository root (where
#: prompts are edited and reviewed), in a built wheel a copy of it (package data).
PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"

_SECTION = re.compile(r"^=== (system|user) ===[ \t]*$", re.MULTILINE)
_NAME = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt: identity (name, version, sha256) and its two templates."""

    name: str
    version: str
    sha256: str
    system: str
    user: str
    description: str = ""

    @property
    def ref(self) -> str:
        """``name:version``, the form used in provenance (``llm:<model>@repair_form:2``)."""
        return f"{self.name}:{self.version}"

    @property
    def placeholders(self) -> frozenset[str]:
        """The ``$names`` the templates need."""
        names: set[str] = set()
        for text in (self.system, self.user):
            for m in Template.pattern.finditer(text):
                name = m.group("named") or m.group("braced")
                if name:
                    names.add(name)
        return frozenset(names)

    def render(self, **values: str) -> list[dict[str, str]]:
        """The chat messages, with every placeholder filled; a missing or extra value is a bug."""
        missing = self.placeholders - set(values)
        extra = set(values) - self.placeholders
        if missing or extra:
            raise ConfigError(
                f"prompt {self.ref}: missing {sorted(missing)} / unexpected {sorted(extra)} values"
            )
        return [
            {"role": "system", "content": Template(self.system).substitute(values).strip()},
            {"role": "user", "content": Template(self.user).substitute(values).strip()},
        ]


def parse_prompt(name: str, text: str) -> Prompt:
    """Parse and validate a prompt file's text; raise ``ConfigError`` naming what is wrong."""
    if not text.startswith("---\n"):
        raise ConfigError(f"prompt {name}: no front matter (the file must start with '---')")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ConfigError(f"prompt {name}: front matter is not closed with '---'")
    meta: dict[str, str] = {}
    for line in text[4:end].splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition(":")
            if not sep:
                raise ConfigError(f"prompt {name}: bad front-matter line {line!r}")
            meta[key.strip()] = value.strip().strip("\"'")
    version = meta.get("version", "")
    if not version:
        raise ConfigError(f"prompt {name}: front matter has no 'version:'")
    body = text[end + 5 :]
    parts = _SECTION.split(body)
    # parts = [preamble, "system", text, "user", text]
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    if set(sections) != {"system", "user"} or len(parts) != 5:
        raise ConfigError(
            f"prompt {name}: needs exactly one '=== system ===' and one '=== user ==='"
        )
    prompt = Prompt(
        name=name,
        version=version,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        system=sections["system"],
        user=sections["user"],
        description=meta.get("description", ""),
    )
    for part in (prompt.system, prompt.user):
        try:
            Template(part).substitute({k: "" for k in prompt.placeholders})
        except ValueError as exc:
            raise ConfigError(f"prompt {name}: bad placeholder ({exc})") from None
    return prompt


def load_prompt(name: str, directory: Path | None = None) -> Prompt:
    """Load ``<directory>/<name>.md`` (default ``prompts/``)."""
    if not _NAME.match(name):
        raise ConfigError(f"bad prompt name {name!r}")
    path = (directory or PROMPTS_DIR) / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt {name}: cannot read {path}: {exc.strerror}") from None
    return parse_prompt(name, text)
