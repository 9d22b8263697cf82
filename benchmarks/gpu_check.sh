#!/usr/bin/env bash
# The GPU checks of docs/performance.md ("GPU"), as one prepared run for a lent GPU machine
# (whose image has jax with CUDA, PyTorch, pytest, hypothesis and sympy; nothing to install):
# benchmarks/gpu.py side by side with jax by hand and PyTorch CUDA (first, so a run cut short
# still has the figures; ~90 s on an H200), then the whole test suite with the GPU visible
# (~4 min with 14 workers). Logs go to $OUT (the device tool's folder) or ./gpu-check.
#
#   bash benchmarks/gpu_check.sh                       # on the GPU machine, from the repo root
#   TESTS=tests/devices BENCH_ARGS="--sizes small --rounds 1" bash benchmarks/gpu_check.sh
#                                                      # a quick dry run of the script on a CPU
set -u -o pipefail
out=${OUT:-gpu-check}
mkdir -p "$out"
py=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # test workers share one GPU: no 75% grab each

{
  nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not found"
  $py -c "import jax, numpy, sympy; print('jax', jax.__version__, jax.devices()); print('numpy', numpy.__version__, 'sympy', sympy.__version__)"
  $py -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" 2>&1 | tail -1
  $py -m dualgrad info
  # 1 = the kernel grants any allocation and kills the process that touches too much: numpy's
  # MemoryError, and so the out-of-memory tests' refusals on the numpy backend, cannot happen
  echo "vm.overcommit_memory: $(cat /proc/sys/vm/overcommit_memory 2>/dev/null || echo unknown)"
} 2>&1 | tee "$out/devices.txt"

# shellcheck disable=SC2086
timeout "${BENCH_SECONDS:-240}" $py benchmarks/gpu.py ${BENCH_ARGS:-} 2>&1 | tee "$out/gpu.log"
bench_rc=$?

workers=""
# whole files per worker: the reliability fuzz modules report their figures in a last test
$py -c "import xdist" 2>/dev/null && workers="-n ${WORKERS:-14} --dist loadfile"
# what the GPU image lacks is left to CI, which has it: ruff, mkdocs, mypy, the package index
for need in "ruff tests/test_style.py" "mkdocs tests/test_docs_site.py" \
    "mypy tests/test_typing.py::test_a_user_script_type_checks_and_planted_mistakes_are_reported"; do
  set -- $need  # (module, test)
  if ! $py -c "import $1" 2>/dev/null; then
    echo "$1 not installed here: $2 left to CI" | tee -a "$out/devices.txt"
    case $2 in *::*) workers="$workers --deselect=$2" ;; *) workers="$workers --ignore=$2" ;; esac
  fi
done
workers="$workers --ignore=tests/test_packaging.py"  # builds wheels from the package index
# SIGINT at the time limit: pytest then still prints its summary, which names every failure so far
# shellcheck disable=SC2086  # $TESTS and $workers are lists of words
timeout -s INT -k 20 "${TEST_SECONDS:-300}" $py -m pytest -p no:cacheprovider -p no:benchmark -rfE \
  --tb=line $workers ${TESTS:-} 2>&1 \
  | tee "$out/tests.log" | tail -n 25
tests_rc=$?

echo "tests exit ${tests_rc}, benchmark exit ${bench_rc} (logs in ${out}/)"
[ "$tests_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ]
