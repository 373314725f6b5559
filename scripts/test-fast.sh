#!/usr/bin/env bash
# `make test-fast`: every test but the slow and browser ones (markers in pyproject.toml), in one share per core run
# at once (tests/conftest.py --shard). Most of the time goes on `oap` subprocesses, one core each.
#   bash scripts/test-fast.sh [VENV [pytest arguments...]]
#   OAP_TEST_JOBS=1 bash scripts/test-fast.sh     one plain pytest, e.g. to use --lf or -x
set -u
venv=${1:-.venv}
[ $# -gt 0 ] && shift
jobs=${OAP_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
select=(-m "not slow and not browser" -q)
if [ "$jobs" -le 1 ]; then
  exec "$venv/bin/pytest" "${select[@]}" "$@"
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
start=$SECONDS
pids=()
for ((k = 1; k <= jobs; k++)); do
  "$venv/bin/pytest" "${select[@]}" --shard "$k/$jobs" "$@" >"$logs/$k.log" 2>&1 &
  pids+=($!)
done
failed=0
for ((k = 1; k <= jobs; k++)); do
  wait "${pids[k - 1]}"
  code=$?
  echo "== share $k of $jobs"
  cat "$logs/$k.log"
  [ "$code" -eq 0 ] || [ "$code" -eq 5 ] || failed=$((failed + 1)) # 5: no tests in this share
done
if [ "$failed" -ne 0 ]; then
  echo "test-fast: $failed of $jobs shares failed (see above) after $((SECONDS - start)) s"
  exit 1
fi
echo "test-fast: all $jobs shares passed in $((SECONDS - start)) s"
