#!/usr/bin/env bash
# Recompiles every shaders/*.hlsl into shaders/spirv/*.spv.
#   shaders/compile.sh           rewrite the committed SPIR-V
#   shaders/compile.sh --check   fail (exit 1) if any committed .spv differs from a fresh compile (CI)
# Compilation runs from this directory with relative names and without debug info, so the output
# depends only on the sources and the glslang version (glslang-tools 12.0 in CI and here).
set -euo pipefail
cd "$(dirname "$0")"
check=0
[[ "${1:-}" == "--check" ]] && check=1
command -v glslangValidator >/dev/null || { echo "error: glslangValidator not found (apt install glslang-tools)" >&2; exit 2; }
out=spirv
if (( check )); then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
status=0
shopt -s nullglob
for src in *.hlsl; do
  name=${src%.hlsl}
  glslangValidator -V -D -e main -S comp --target-env vulkan1.1 --spirv-val -o "$out/$name.spv" "$src" >/dev/null \
    || { echo "error: $src does not compile" >&2; status=1; continue; }
  if (( check )); then
    if ! cmp -s "$out/$name.spv" "spirv/$name.spv"; then
      echo "error: shaders/spirv/$name.spv is stale or missing: run shaders/compile.sh and commit" >&2
      status=1
    fi
  fi
done
if (( check )); then
  for spv in spirv/*.spv; do
    name=$(basename "$spv" .spv)
    [[ -f "$name.hlsl" ]] || { echo "error: $spv has no source $name.hlsl" >&2; status=1; }
  done
fi
exit $status
