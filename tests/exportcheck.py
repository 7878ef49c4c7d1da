"""What biber may warn about in a BibLaTeX-flavour export, and why (shared by the export tests).

The flavour writes some fields on purpose where biblatex's data model has none, because Zotero's
BibTeX.js reads them there (README "Export"): ``type`` and ``journaltitle`` (the site, Zotero's
website title) on ``@online``; and ``@video`` entries, a type the data model declares no fields
for (standard styles print it as ``@misc``). A field the *library* carries that no data model
knows (``pdfurl``, ``mendeley-groups``) is kept too: no silent field loss. Any other warning is a
bug, except a missing date for an entry the library gives none.
"""

from __future__ import annotations

import re

from dlbib.library.model import Reference

ON_PURPOSE = {"online": {"type", "journaltitle"}}


def unexpected_biber_warnings(stdout: str, refs: list[Reference]) -> list[str]:
    """biber --validate-datamodel warnings not explained by the rules above."""
    by_key = {r.key: r for r in refs}
    unexpected = []
    for line in re.findall(r"^WARN - (.*)$", stdout, re.MULTILINE):
        m = re.search(r"Entry '([^']+)'", line)
        ref = by_key.get(m.group(1)) if m else None
        if ref is None:
            unexpected.append(line)
            continue
        invalid_for = re.search(r"Invalid field '([^']+)' for entrytype '([^']+)'", line)
        unknown = re.search(r"Field '([^']+)' invalid in data model", line)
        if invalid_for and (
            invalid_for.group(2) == "video"
            or invalid_for.group(1) in ON_PURPOSE.get(invalid_for.group(2), set())
        ):
            continue
        if unknown and unknown.group(1).lower() in ref.fields:
            continue
        if "one of 'date, year'" in line and not ref.year:
            continue
        unexpected.append(line)
    return unexpected
