#!/usr/bin/env bash
# Runs every Go fuzz target (func FuzzXxx(*testing.F)) of every module of go.work, one after the
# other, each for FUZZTIME (default 30s). Targets are found, not listed here: a new fuzz target
# in any package of any module is run without a change to this script. `make test` already runs
# every target's seeds (and its testdata/fuzz corpus) as plain tests; this explores beyond them.
#
#   FUZZTIME=30s      how long each target is fuzzed (a duration, or Nx for N inputs)
#   FUZZPARALLEL=1    fuzzing workers per target (default: the number of CPUs)
#   FUZZ='^FuzzX$'    only the targets whose name matches this regular expression
#
# An input that breaks a target is written to that package's testdata/fuzz/<target>/; commit it,
# fix the fault, and it stays a seed that plain `go test` runs for ever.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-30s}
only=${FUZZ:-.}
parallel=()
[[ -n "${FUZZPARALLEL:-}" ]] && parallel=(-parallel "$FUZZPARALLEL")

failed=()
ran=0
root=$PWD
for dir in $(go list -m -f '{{.Dir}}'); do
	cd "$dir"
	# Packages with a fuzz target, as go test lists them (a grep only narrows where to ask).
	for pkgdir in $(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u); do
		for target in $(go test -list '^Fuzz' "$pkgdir" | grep '^Fuzz' | grep -E "$only" || true); do
			echo "== fuzz ${dir#"$root"/}/${pkgdir#./} $target for $fuzztime"
			ran=$((ran + 1))
			# Minimising each new interesting input may take up to a minute by default, which
			# would eat the whole budget; 200 tries keep it short.
			if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 200x "${parallel[@]}" "$pkgdir"; then
				failed+=("${dir#"$root"/}/${pkgdir#./} $target")
			fi
		done
	done
	cd "$root"
done

echo "== $ran fuzz targets run for $fuzztime each"
if ((${#failed[@]} > 0)); then
	printf 'fuzz target failed: %s\n' "${failed[@]}"
	exit 1
fi
if ((ran == 0)); then
	echo "no fuzz target found"
	exit 1
fi
