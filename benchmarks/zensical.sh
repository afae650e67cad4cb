#!/bin/bash
# The Markdown extension's cost in a Zensical build: N ADR pages (each addressing one of 50
# gaps) plus a gap page with the matrix and a home page with coverage and index, built with
# `zensical build --clean` without gapcheck, with it, and with css = false, three times each.
# Prints the best CPU time (user + sys) of each: wall time is noise on a shared machine.
#   benchmarks/zensical.sh 300
set -euo pipefail
N=${1:-300}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/docs/adr"
python - "$N" "$D/docs" <<'PY'
import pathlib, sys
n, d = int(sys.argv[1]), pathlib.Path(sys.argv[2])
gaps = "".join(f"  - {{id: g{i}, title: Gap {i}, severity: high}}\n" for i in range(50))
sections = "".join(f"## Gap {i}\n\ntext\n\n" for i in range(50))
(d / "gaps.md").write_text(f"---\ngaps:\n{gaps}---\n# Gaps\n\n<!-- gapcheck:matrix -->\n\n{sections}")
(d / "index.md").write_text("# Home\n\n<!-- gapcheck:coverage -->\n\n<!-- gapcheck:index -->\n")
for i in range(n):
    (d / "adr" / f"{i:04}-x.md").write_text(
        f"---\naddresses: [g{i % 50}]\n---\n# ADR {i}\n\nSome text {i}.\n")
PY
head='[project]\nsite_name = "B"\n[project.markdown_extensions.toc]\n'
printf "$head" > "$D/without.toml"
printf "$head[project.markdown_extensions.gapcheck]\n" > "$D/with.toml"
printf "$head[project.markdown_extensions.gapcheck]\ncss = false\n" > "$D/nocss.toml"
cd "$D"
for _ in 1 2 3; do
  for c in without with nocss; do
    /usr/bin/time -f "$c %U %S" zensical build --clean -f "$c.toml" 2>&1 >/dev/null | tail -1
  done
done | awk '{cpu = $2 + $3; if (!($1 in m) || cpu < m[$1]) m[$1] = cpu}
  END {for (k in m) printf "%s: %.2f s CPU (best of 3)\n", k, m[k]}' | sort
echo "$N ADR pages + 2; zensical $(python -c 'from importlib.metadata import version; print(version("zensical"))')"
