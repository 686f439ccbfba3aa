#!/usr/bin/env bash
# Compares the SMPP throughput of two revisions on this machine, in one run:
#
#   bench/compare.sh BASE [HEAD]
#
# BASE and HEAD are git revisions (HEAD left out: this checkout as it is, built here). Each
# revision is exported (git archive) into a temporary directory and built there, with this
# checkout's node_modules when its package-lock.json is the same (else `npm ci`). Then THIS
# checkout's bench/smpp.js runs against each build (BENCH_DIST), alternating base, head, base,
# head, ..., so that both sides see the same machine; one JSON document is printed:
# {"base": {"revision", "runs": [...]}, "head": {...}}. Same Node for both: this checkout's
# node_modules/.bin/node.
#
# Environment: ROUNDS (runs per side, default 2), and bench/smpp.js's own: BENCH_PARTS (default
# here sink,gateway,bulk), BENCH_WINDOWS (default here 100), BENCH_MESSAGES (default here 10000).
# About a minute a run on a 2-core machine with these defaults.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: bench/compare.sh BASE [HEAD]" >&2
  exit 2
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
node="$repo/node_modules/.bin/node"
base_rev=$(git -C "$repo" rev-parse --verify "$1^{commit}")
head_rev=${2:+$(git -C "$repo" rev-parse --verify "$2^{commit}")}
rounds=${ROUNDS:-2}
export BENCH_PARTS=${BENCH_PARTS:-sink,gateway,bulk}
export BENCH_WINDOWS=${BENCH_WINDOWS:-100}
export BENCH_MESSAGES=${BENCH_MESSAGES:-10000}

work=$(mktemp -d "${TMPDIR:-/tmp}/smsgate-compare-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Exports and builds a revision; prints the path of its dist/.
build() {
  local rev=$1 dir="$work/$1"
  mkdir -p "$dir"
  git -C "$repo" archive --format=tar "$rev" | tar -x -C "$dir"
  if cmp -s "$dir/package-lock.json" "$repo/package-lock.json"; then
    ln -s "$repo/node_modules" "$dir/node_modules"
  else
    echo "compare: $rev has other dependencies; npm ci there" >&2
    (cd "$dir" && npm ci --no-audit --no-fund >&2)
  fi
  echo "compare: building $rev" >&2
  (cd "$dir" && npm run build >&2)
  echo "$dir/dist"
}

base_dist=$(build "$base_rev")
if [ -n "$head_rev" ]; then
  head_dist=$(build "$head_rev")
  head_name=$head_rev
else
  echo "compare: building this checkout" >&2
  (cd "$repo" && npm run build >&2)
  head_dist="$repo/dist"
  head_name="$(git -C "$repo" rev-parse HEAD)$(git -C "$repo" diff --quiet HEAD -- && echo '' || echo '+changes')"
fi

for round in $(seq 1 "$rounds"); do
  for side in base head; do
    dist_var="${side}_dist"
    echo "compare: round $round, $side" >&2
    BENCH_DIST="${!dist_var}" "$node" "$repo/bench/smpp.js" > "$work/$side-$round.json"
  done
done

"$node" -e '
const { readFileSync } = require("node:fs");
const [work, rounds, baseName, headName] = process.argv.slice(1);
const runs = (side) => Array.from({ length: Number(rounds) }, (_, i) => JSON.parse(readFileSync(`${work}/${side}-${i + 1}.json`, "utf8")));
const summary = (all) => all.map((r) => ({
  gateway: (r.gateway ?? []).map((g) => `${g.store}/${g.window}: ${g.messagesPerSecond}/s${g.cpuMicrosPerMessage === undefined ? "" : `, ${g.cpuMicrosPerMessage} µs CPU/msg`}`),
  bulkCliPerSecond: r.bulkCli?.perSecond,
  bareSmppLoop: r.bareSmppLoop?.map((b) => `${b.window}: ${b.submitsPerSecond}/s`),
}));
const base = runs("base");
const head = runs("head");
const document = {
  settings: { rounds: Number(rounds), parts: process.env.BENCH_PARTS, windows: process.env.BENCH_WINDOWS, messages: Number(process.env.BENCH_MESSAGES) },
  base: { revision: baseName, summary: summary(base), runs: base },
  head: { revision: headName, summary: summary(head), runs: head },
};
process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
' "$work" "$rounds" "$base_rev" "$head_name"
