#!/usr/bin/env bash
# Rewrite the .aux/.bcf fixtures in this folder from their .tex sources with real LaTeX runs.
# Needs pdflatex (TeX Live) with natbib and biblatex. Run from anywhere; review the diff after.
set -euo pipefail
cd "$(dirname "$0")"
run() { (cd "$1" && pdflatex -interaction=nonstopmode "${@:2}" >/dev/null || true); }
run natbib main.tex
run biblatex main.tex
run nociteall bibtex.tex
run nociteall biblatex.tex
# An aborted run: an undefined macro in part2.tex stops LaTeX half-way through (-halt-on-error).
rm -f aborted/*.aux
run aborted -halt-on-error main.tex
find . \( -name '*.log' -o -name '*.pdf' -o -name '*.run.xml' \) -delete
