#!/bin/bash
# One real-GPU run: Vulkan parity tests on the GPU, then `wsss bench` on the GPU and on the CPU, JSON + markdown
# under one folder. For a Linux machine with an NVIDIA driver installed but possibly no Vulkan loader.
#
#   bench/gpu/run.sh [OUTDIR]            (from the repository root, with the .NET 10 SDK; under 8 minutes)
#
# Loader: if libvulkan.so.1 is not found, the Debian packages in .gl/ (git-ignored, fetched beforehand on a Debian
# machine with:  mkdir -p .gl && cd .gl && apt-get download libvulkan1 ) are unpacked into OUTDIR/loader and put on
# LD_LIBRARY_PATH. ICD: if no *.json ICD is found in the usual folders, VK_DRIVER_FILES points at the NVIDIA one
# (/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json, /usr/share/vulkan/icd.d/nvidia_icd.json,
# /etc/vulkan/icd.d/nvidia_icd.json). WSSS_VULKAN_DEVICE (a name substring, default "NVIDIA") picks the device.
# Every step fails loudly: the script stops at the first broken one with "run.sh: FAILED: step".
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench-gpu-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDDISABLENODEREUSE=1
export WSSS_VULKAN_DEVICE=${WSSS_VULKAN_DEVICE:-NVIDIA}
step() { echo "== $* ==" | tee -a "$out/run.log"; }
fail() { echo "run.sh: FAILED: $*" | tee -a "$out/run.log" >&2; exit 1; }
start=$(date +%s)

step "machine"
{ date -u; uname -a; grep -m1 'model name' /proc/cpuinfo || true; echo "cores: $(nproc)"; uptime
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "no nvidia-smi"; } \
  | tee "$out/machine.txt"

step "Vulkan loader"
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' && ! { [ -n "${LD_LIBRARY_PATH:-}" ] && ls ${LD_LIBRARY_PATH//:/ } 2>/dev/null | grep -q '^libvulkan.so.1$'; }; then
  debs=$(ls .gl/*.deb 2>/dev/null || true)
  [ -n "$debs" ] || fail "no libvulkan.so.1 on this system and no .deb in .gl/ (fetch them with: mkdir -p .gl && cd .gl && apt-get download libvulkan1)"
  mkdir -p "$out/loader"
  for d in $debs; do dpkg-deb -x "$d" "$out/loader" || fail "unpacking $d"; done
  lib=$(dirname "$(find "$out/loader" -name 'libvulkan.so.1' | head -1)")
  [ -n "$lib" ] && [ "$lib" != "." ] || fail "libvulkan.so.1 not found in the unpacked .gl packages"
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "loader: $lib (from .gl/)" | tee -a "$out/run.log"
else
  echo "loader: system" | tee -a "$out/run.log"
fi

step "NVIDIA ICD"
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  found=""
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$f" ] && { found=$f; break; }
  done
  [ -n "$found" ] || fail "no NVIDIA ICD json in /usr/share/vulkan/icd.d, /etc/vulkan/icd.d or /usr/local/nvidia/share/vulkan/icd.d"
  export VK_DRIVER_FILES=$found
fi
echo "ICD: ${VK_DRIVER_FILES:-$VK_ICD_FILENAMES}" | tee -a "$out/run.log"

step "build"
dotnet build WsssGpuRefine.sln -c Release > "$out/build.log" 2>&1 || { tail -20 "$out/build.log"; fail "dotnet build (see $out/build.log)"; }
wsss() { dotnet src/WsssGpuRefine.Cli/bin/Release/net10.0/wsss.dll "$@"; }

step "wsss devices"
wsss devices | tee "$out/devices.txt" || fail "wsss devices"
grep -qi "^--backend vulkan picks: .*$WSSS_VULKAN_DEVICE" "$out/devices.txt" \
  || fail "wsss devices does not pick a '$WSSS_VULKAN_DEVICE' Vulkan device (see $out/devices.txt)"
grep -i "^--backend vulkan picks:.*software" "$out/devices.txt" && fail "the picked Vulkan device is a software driver, not the GPU"

step "Vulkan parity tests on the GPU (CI=true: a missing device fails, nothing is skipped)"
CI=true timeout 240 dotnet test WsssGpuRefine.sln -c Release --no-build --filter "FullyQualifiedName~Vulkan" \
  --logger "trx;LogFileName=vulkan-tests.trx" --results-directory "$out" > "$out/vulkan-tests.log" 2>&1 \
  || { tail -30 "$out/vulkan-tests.log"; fail "Vulkan tests (see $out/vulkan-tests.log)"; }
grep -E "Passed!|Failed!" "$out/vulkan-tests.log" | tee -a "$out/run.log"
grep -qE "Skipped: +[1-9]" "$out/vulkan-tests.log" && fail "Vulkan tests were skipped under CI=true"

step "wsss bench --backend vulkan"
timeout 150 wsss bench --backend vulkan --device "$WSSS_VULKAN_DEVICE" --images 32 --repeat 3 --json "$out/wsss-bench-gpu.json" \
  | tee "$out/wsss-bench-gpu.txt" || fail "wsss bench --backend vulkan"

step "wsss bench --backend cpu"
timeout 150 wsss bench --backend cpu --images 16 --repeat 3 --json "$out/wsss-bench-cpu.json" \
  | tee "$out/wsss-bench-cpu.txt" || fail "wsss bench --backend cpu"

step "table"
{ echo "# wsss bench, $(date -u +%F), $(uname -n)"; echo; echo '```'; cat "$out/machine.txt"; echo '```'; echo
  echo '```'; wsss bench --merge "$out/wsss-bench-cpu.json" "$out/wsss-bench-gpu.json"; echo '```'; } > "$out/results.md" \
  || fail "wsss bench --merge"
cat "$out/results.md"
echo "done in $(( $(date +%s) - start )) s; results in $out" | tee -a "$out/run.log"
