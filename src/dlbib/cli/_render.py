"""Progress bars and report renderers shared by several commands (stderr/stdout text)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    pass


class ProgressBar:
    """A progress callback drawing a bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 1:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def short(raw: str | None, width: int = 100) -> str:
    text = "(none)" if raw is None else " ".join(raw.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_sync(report: Any, dry_run: bool) -> None:
    """Per-entry lines (diff when dry-running), failures on stderr, a one-line summary."""
    for o in report.outcomes:
        if o.new_version is not None:
            note = " (pinned: not applied)" if o.pinned else ""
            click.echo(f"{o.key}: v{o.old_version} \u2192 v{o.new_version}{note}")
        if o.published:
            click.echo(f"{o.key}: published as {o.published}")
        if o.found_by_search:
            click.echo(f"{o.key}: found on arXiv by title: {o.arxiv_id}")
        if o.changes and dry_run:
            click.echo(f"{o.key}:")
            for c in o.changes:
                click.echo(f"  - {c.name} = {short(c.old)}\n  + {c.name} = {short(c.new)}")
        elif o.changes:
            click.echo(f"{o.key}: updated {', '.join(c.name for c in o.changes)}")
        for c in o.conflicts:
            click.echo(
                f"{o.key}: kept your {c.name} (arXiv has {short(c.upstream, 60)}; "
                f"--overwrite {c.name} takes it)"
            )
        if o.status == "unmatched":
            found = "; ".join(o.candidates[:3]) or "no candidates"
            click.echo(f"{o.key}: not matched on arXiv: {o.reason} [{short(found, 80)}]")
    lines = [f"{o.key}: {o.reason}" for o in report.failed]
    lines += [f"sync: {report.unreachable}; arXiv fields unchanged"] * bool(report.unreachable)
    for line in lines:
        click.echo(line, err=True)
    counts = [
        f"{len(report.having('updated'))} updated",
        f"{len(report.new_versions)} new version(s)",
        f"{len(report.published)} published",
        f"{len(report.having('unchanged', 'fresh'))} unchanged",
        f"{len(report.failed)} failed",
    ]
    extra = f", {len(report.conflicts)} with conflicts" if report.conflicts else ""
    mode = " (dry run: nothing written)" if dry_run else ""
    click.echo(f"sync: {', '.join(counts)}{extra}; {report.requests} API request(s){mode}")
    if getattr(report, "publications", None) is not None:
        render_published(report.publications, dry_run)


def render_published(report: Any, dry_run: bool) -> None:
    """Published versions: one line per finding, the diff or changes, one line per service
    that was down, then the counts per verdict and the requests per service."""
    for o in report.outcomes:
        _published_entry(o, dry_run, report.down)
    for why in report.down.values():
        click.echo(f"published: {why}", err=True)
    found = report.having("published", "enriched")
    by_source: dict[str, int] = {}
    for o in found:
        by_source[o.confirmed_by] = by_source.get(o.confirmed_by, 0) + 1
    sources = ", ".join(f"{k} {v}" for k, v in sorted(by_source.items()))
    counts = [
        f"{len(found)} published" + (f" (confirmed by {sources})" if sources else ""),
        f"{len(report.having('preprint', 'unknown', 'submission'))} not published",
        f"{len(report.having('ambiguous'))} ambiguous",
        f"{len(report.having('failed'))} failed",
    ]
    unconfirmed = len(report.having("unconfirmed"))  # a claim no owner confirms: not ambiguous
    counts[2:2] = [f"{unconfirmed} unconfirmed"] * bool(unconfirmed)
    asked = ", ".join(f"{k} {v}" for k, v in report.requests.items())
    pending = [o for o in found if (o.cited_as_preprint or _unfilled(o)) and not o.changes]
    hint = ""
    if pending and not dry_run:
        hint = "; report only (dlbib sync --accept-published KEY applies)"
    click.echo(f"published: {', '.join(counts)}; requests: {asked}{hint}")


def _unfilled(o: Any) -> bool:
    """A paper without an arXiv id whose missing DOI/venue/pages were found, not yet filled."""
    return bool(o.status == "enriched" and not o.applied)


def _published_entry(o: Any, dry_run: bool, down: dict[str, str]) -> None:
    # already published: no news, unless fields it lacks were found and not yet filled
    worth = o.cited_as_preprint or o.changes or o.conflicts or _unfilled(o)
    if o.status in ("ambiguous", "unconfirmed", "submission") or (
        o.status in ("published", "enriched") and worth
    ):
        click.echo(o.line())
        if o.status in ("ambiguous", "unconfirmed"):
            for c in o.candidates[:5]:
                click.echo(f"  candidate: {short(c, 110)}")
    if o.changes and dry_run:
        for c in o.changes:
            click.echo(f"  - {c.name} = {short(c.old)}\n  + {c.name} = {short(c.new)}")
    elif o.changes:
        click.echo(f"{o.key}: now the published version ({', '.join(c.name for c in o.changes)})")
    for c in o.conflicts:
        click.echo(f"{o.key}: kept your {c.name} (the published version has "
                   f"{short(c.upstream, 60)}; --overwrite {c.name} takes it)")  # fmt: skip
    if o.status == "failed" and not any(name in o.reason for name in down):
        click.echo(f"{o.key}: {o.reason}", err=True)


class PdfBar:
    """Draws files done and bytes received on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None
        self.bytes = 0
        self.key = ""

    def _show(self, item: Any) -> str:
        return f"{human_bytes(self.bytes)}  {self.key}"

    def entry(self, key: str, index: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total,
                label="PDFs",
                show_pos=True,
                item_show_func=self._show,
                file=sys.stderr,
            )
            self.bar.__enter__()
        self.key = key
        self.bar.update(0, key)

    def chunk(self, nbytes: int) -> None:
        self.bytes += nbytes
        if self.bar is not None:
            self.bar.update(0, self.key)

    def outcome(self, outcome: Any) -> None:
        if self.bar is not None:
            self.bar.update(1, outcome.key)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def human_bytes(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("KB", "MB"):
        value /= 1000
        if value < 1000:
            return f"{value:.1f} {unit}"
    return f"{value / 1000:.1f} GB"


def render_pdfs(report: Any, offline_ok: bool = False) -> None:
    """Moves and unusual skips per entry, failures on stderr, then the counts.

    With ``offline_ok`` (``update``), hosts that cannot be reached at all are one line, not one
    failure per file.
    """
    from dlbib.pdfs.sync import NO_SOURCE, UP_TO_DATE

    reasons = [o.reason for o in report.outcomes if o.status == "skipped"]
    for o in report.outcomes:
        if o.status == "moved":
            click.echo(f"{o.key}: moved PDF to {o.path}")
        elif o.status == "skipped" and o.reason not in (NO_SOURCE, UP_TO_DATE):
            click.echo(f"{o.key}: PDF skipped: {o.reason}")
    for o in report.failed_reachable if offline_ok else report.failed:
        click.echo(f"{o.key}: PDF: {o.reason}", err=True)
    c = report.counts
    failed = len(report.failed_reachable) if offline_ok else c["failed"]
    click.echo(
        f"pdf: {c['downloaded']} downloaded, {c['moved']} moved, {c['skipped']} skipped "
        f"({reasons.count(UP_TO_DATE)} up to date, {reasons.count(NO_SOURCE)} without a PDF "
        f"source), {failed} failed; {human_bytes(report.bytes_downloaded)} transferred"
    )


def render_export_skips(skipped: list[Any]) -> None:
    for error in skipped:
        click.echo(f"{error.format}: {error}", err=True)
