#!/usr/bin/env bash
# Runs the Python (training) tests with Debian's interpreter, which has PyTorch.
# In CI (CI=true) a missing PyTorch is a failure; on a developer machine it is a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
if [ ! -d training/tests ]; then
  echo "python tests: skipped (no training/tests folder yet)"
  exit 0
fi
if ! "$PY" -c 'import torch, onnx, numpy, pytest' 2>/dev/null; then
  msg="install python3-torch python3-onnx python3-numpy python3-pytest libopenblas0-pthread with apt-get (see .ci/run)"
  if [ "${CI:-}" = "true" ]; then
    echo "python tests: FAILED: $PY lacks torch/onnx/numpy/pytest; $msg" >&2
    exit 1
  fi
  echo "python tests: skipped: $msg"
  exit 0
fi
# From training/: train_all starts each stage as `python -m firstframe_train.<stage>`, which
# finds the package in the working folder.
cd training
exec "$PY" -m pytest -q tests
