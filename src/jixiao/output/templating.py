"""Jinja2 environments for the HTML pages people read (review report, eval report).

Templates are package data (``<package>/templates/*.j2``), loaded once per package, with
autoescaping on for every template: a value from a form can never become markup. Pages are
self-contained (inline CSS, inline SVG, a few lines of inline script at most), so they can be
mailed or archived and opened offline.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined


@cache
def environment(package: str) -> Environment:
    """The environment of ``package``'s ``templates/`` directory (autoescape on, strict)."""
    env = Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # package data: no stat() per page rendered
    )
    return env
