"""The HTML pages' Jinja environment: autoescaped, strict, and compiled once per machine.

Compiling a template to Python costs a tenth of a second per run (the report's is large);
Jinja's own bytecode cache keeps the compiled code between runs, in a private folder of the
user's temporary directory (``_jinja2-cache-UID``, mode 0700, checked to be the user's own).
An entry is keyed by the template and checked against its source, so an edited template is
compiled again. A cache that cannot be made or written is skipped: the page is the same.
"""

from __future__ import annotations

import jinja2


class _Cache(jinja2.FileSystemBytecodeCache):
    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # a full or read-only temporary folder: compile again next time
            pass


def _cache() -> jinja2.BytecodeCache | None:
    try:
        return _Cache()
    except (OSError, RuntimeError):  # no safe temporary folder
        return None


def environment(package: str) -> jinja2.Environment:
    """For the templates in ``package``'s ``templates/`` folder. Every value is escaped (text
    from the PDF is data, never markup) and an undefined name is an error, not a blank."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_cache(),
    )
