"""Zotero's own import code as a test oracle: ``../shared/zotero/run.sh`` (translation-server).

:func:`find_oracle` finds ``shared/zotero`` beside the repository (or ``$DLBIB_ZOTERO_ORACLE``);
:class:`Oracle` starts its server on a free port, POSTs files to ``/import`` (Zotero API JSON,
checked against Zotero's schema) and runs ``run.sh raw`` (the translator's items with their
attachments, and the collections). ``DLBIB_REQUIRE_ZOTERO=1`` (CI) turns a missing oracle or
node into a failure instead of a skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO

NODE_MIN = (20, 19)


def _unavailable(reason: str) -> None:
    if os.environ.get("DLBIB_REQUIRE_ZOTERO") == "1":
        pytest.fail(f"the Zotero oracle is required here (DLBIB_REQUIRE_ZOTERO=1): {reason}")
    pytest.skip(reason)


def find_oracle() -> Path | None:
    """``shared/zotero`` beside the clone or one of its parents, or ``$DLBIB_ZOTERO_ORACLE``."""
    explicit = os.environ.get("DLBIB_ZOTERO_ORACLE")
    if explicit:
        return Path(explicit) if (Path(explicit) / "run.sh").exists() else None
    for folder in [REPO.parent, *REPO.parent.parents][:3]:
        candidate = folder / "shared" / "zotero"
        if (candidate / "run.sh").exists():
            return candidate
    return None


def node_version() -> tuple[int, int] | None:
    node = shutil.which("node")
    if node is None:
        return None
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    m = re.match(r"v(\d+)\.(\d+)", out.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


class Oracle:
    """One running translation-server (stopped by :meth:`stop` if this object started it)."""

    def __init__(self, folder: Path, home: Path) -> None:
        self.run_sh = folder / "run.sh"
        self.env = {**os.environ, "ZOTERO_ORACLE_HOME": str(home)}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        result = self._run("start", str(port), timeout=600)
        self.url = result.stdout.strip().splitlines()[-1]
        self.started = self.url.endswith(f":{port}")

    def _run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["bash", str(self.run_sh), *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"run.sh {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result

    def import_(self, path: Path) -> list[dict[str, Any]]:
        """Zotero API JSON for ``path``: regular items, each with its child notes as ``notes``."""
        request = urllib.request.Request(
            self.url + "/import",
            data=path.read_bytes(),
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            answer: list[dict[str, Any]] = json.loads(response.read())
        items = [i for i in answer if i["itemType"] != "note"]
        by_key = {i["key"]: i for i in items}
        for item in items:
            item["notes"] = []
        for note in answer:
            if note["itemType"] == "note" and note.get("parentItem") in by_key:
                by_key[note["parentItem"]]["notes"].append(note["note"])
        return items

    def raw(self, path: Path) -> dict[str, Any]:
        """The translator's own items (attachments included) and collections."""
        result: dict[str, Any] = json.loads(self._run("raw", str(path)).stdout)
        return result

    def stop(self) -> None:
        if self.started:
            self._run("stop")


def start_oracle(cache: Path) -> Oracle:
    """An oracle, or a skip (a failure with ``DLBIB_REQUIRE_ZOTERO=1``) saying what is missing."""
    folder = find_oracle()
    if folder is None:
        _unavailable(
            "the Zotero oracle (shared/zotero/run.sh beside the clone, or $DLBIB_ZOTERO_ORACLE) "
            "is not here"
        )
        raise AssertionError("unreachable")
    version = node_version()
    if version is None or version < NODE_MIN:
        _unavailable(f"the Zotero oracle needs node >= 20.19 (found {version or 'none'})")
    home = Path(os.environ.get("ZOTERO_ORACLE_HOME") or cache)
    try:
        return Oracle(folder, home)
    except (AssertionError, subprocess.TimeoutExpired) as exc:  # e.g. npm ci without a registry
        _unavailable(f"the Zotero oracle did not start: {exc}")
        raise
