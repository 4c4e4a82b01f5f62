#!/bin/bash
# One real-GPU run: Vulkan parity tests on the GPU, then `wsss bench` on the GPU and on the CPU, JSON + markdown
# under one folder. For a Linux x86-64 machine with an NVIDIA driver installed but possibly no Vulkan loader, no
# .NET and no network. Under 8 minutes end to end (each step has a time limit: with the carried builds they add up
# to under 7 minutes, and the run fails if it took 480 s or more); every step fails loudly: the script stops at the first broken
# one with "run.sh: FAILED: step" (and a non-zero exit).
#
#   bench/gpu/run.sh --prepare             on a machine with the .NET 10 SDK and apt (Debian/Ubuntu, x86-64)
#   bench/gpu/run.sh [OUTDIR [COPYDIR]]    on the GPU machine, from the repository root
#
# --prepare fills the git-ignored folder .gl/ with what the GPU machine lacks: the Vulkan loader's Debian package
# (apt-get download libvulkan1), the .NET runtime of the SDK installed here, the Release builds of wsss and of the
# tests (x86-64 native libraries only) and the SDK's test console (vstest). It checks that .gl/ plus the tracked tree
# stay under 64 MiB, the most a device-machine call carries. Re-run it after every change to the code.
#
# On the GPU machine: with a `dotnet` on PATH the script builds and tests with it; without one it unpacks the
# runtime, the builds and vstest from .gl/ (WSSS_GPU_USE_BUNDLE=1 forces this where a dotnet exists). The results
# land in OUTDIR (default bench-gpu-DATE); COPYDIR, when given, receives the seven files worth keeping (results.md,
# run.log, machine.txt, devices.txt, vulkan-tests.log, wsss-bench-gpu.json, wsss-bench-cpu.json), also after a
# failure. Through this workplace's device tool that is one call: carry [".gl"], timeout_s 540, command
#   bash bench/gpu/run.sh /tmp/gpu "$OUT"
# ($OUT takes at most 8 files, so OUTDIR is a scratch folder and COPYDIR is $OUT).
#
# Loader: if libvulkan.so.1 is not found, the packages in .gl/*.deb are unpacked into OUTDIR/loader and put on
# LD_LIBRARY_PATH. ICD: if VK_DRIVER_FILES / VK_ICD_FILENAMES are unset, VK_DRIVER_FILES points at the first NVIDIA
# ICD of /usr/share/vulkan/icd.d, /etc/vulkan/icd.d, /usr/local/nvidia/share/vulkan/icd.d (nvidia_icd.json); none
# is a failure. WSSS_VULKAN_DEVICE (a name substring, default "NVIDIA") picks the device for the tests and the bench.
#
# Dry run without a GPU (checks the script itself, e.g. on Mesa lavapipe; its figures are not GPU figures):
#   WSSS_GPU_DRY_RUN=1 bench/gpu/run.sh OUTDIR
# accepts a software Vulkan device (WSSS_VULKAN_DEVICE then defaults to "llvmpipe"), skips the NVIDIA ICD lookup
# (the loader's own search, or VK_DRIVER_FILES when set, finds the driver), benches 4 images x 1 repetition in batches of
# 2 instead of 32 x 3 and 16 x 3 in batches of 4, multiplies every time limit (the 8-minute budget included) by
# WSSS_GPU_DRY_RUN_SLOWDOWN (default 4), and marks results.md "DRY RUN". WSSS_GPU_FORCE_GL_LOADER=1 takes the loader from .gl/ even
# when the system has one (to test that step).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
out=""
failed=0
current="start"
fail() { failed=1; echo "run.sh: FAILED: $*" | { if [ -n "$out" ]; then tee -a "$out/run.log"; else cat; fi; } >&2; exit 1; }
cli_bin=src/WsssGpuRefine.Cli/bin/Release/net10.0
tests_bin=tests/WsssGpuRefine.Tests/bin/Release/net10.0
# The SDK's test console and what it loads (the SDK folder holds them beside MSBuild; only these are carried).
vstest_files="vstest.console.dll vstest.console.deps.json vstest.console.runtimeconfig.json vstest.console.dll.config
  Newtonsoft.Json.dll Microsoft.Extensions.FileSystemGlobbing.dll Microsoft.Extensions.DependencyModel.dll
  Microsoft.TestPlatform.CommunicationUtilities.dll Microsoft.TestPlatform.CoreUtilities.dll
  Microsoft.TestPlatform.CrossPlatEngine.dll Microsoft.TestPlatform.PlatformAbstractions.dll
  Microsoft.TestPlatform.Utilities.dll Microsoft.TestPlatform.VsTestConsole.TranslationLayer.dll
  Microsoft.VisualStudio.TestPlatform.Client.dll Microsoft.VisualStudio.TestPlatform.Common.dll
  Microsoft.VisualStudio.TestPlatform.ObjectModel.dll testhost.dll testhost.deps.json testhost-10.0.runtimeconfig.json
  testhost-latest.runtimeconfig.json"

if [ "${1:-}" = --prepare ]; then
  [ "$(uname -m)" = x86_64 ] || fail "--prepare must run on x86-64 (the GPU machine's processor); this is $(uname -m)"
  command -v dotnet >/dev/null || fail "--prepare needs the .NET 10 SDK (dotnet) on PATH"
  git check-ignore -q .gl/probe.deb || fail ".gl/ is not git-ignored (add /.gl/ to .gitignore)"
  mkdir -p .gl
  echo "== build (Release) =="
  dotnet build WsssGpuRefine.sln -c Release > /tmp/wsss-gpu-prepare-build.log 2>&1 \
    || { tail -20 /tmp/wsss-gpu-prepare-build.log; fail "dotnet build (see /tmp/wsss-gpu-prepare-build.log)"; }
  echo "== Vulkan loader package =="
  if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
    (cd .gl && apt-get download libvulkan1) || fail "apt-get download libvulkan1 into .gl/"
  fi
  ls .gl/*.deb
  echo "== .NET runtime, builds, vstest =="
  root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  runtime=$(ls -d "$root"/shared/Microsoft.NETCore.App/10.* 2>/dev/null | sort -V | tail -1)
  [ -n "$runtime" ] || fail "no .NET 10 runtime under $root/shared/Microsoft.NETCore.App"
  sdk=$(ls -d "$root"/sdk/10.* 2>/dev/null | sort -V | tail -1)
  [ -n "$sdk" ] || fail "no .NET 10 SDK under $root/sdk"
  tar -C "$root" -cJf .gl/dotnet-runtime.tar.xz dotnet host "shared/Microsoft.NETCore.App/$(basename "$runtime")" \
    || fail "packing the .NET runtime"
  # shellcheck disable=SC2086
  (cd "$sdk" && tar -cJf "$repo/.gl/vstest.tar.xz" $vstest_files Extensions/*.dll) || fail "packing vstest from $sdk"
  [ -f "$cli_bin/wsss.dll" ] && [ -f "$tests_bin/WsssGpuRefine.Tests.dll" ] || fail "the Release builds are missing"
  # A `dotnet publish -r RID` leaves a whole self-contained copy under net10.0/RID/: not part of the build carried.
  { find "$cli_bin" "$tests_bin" -type f ! -path '*/runtimes/*' ! -path '*/net10.0/linux-*' ! -path '*/net10.0/win-*' ! -path '*/net10.0/osx-*'
    find "$cli_bin" "$tests_bin" -type f -path '*/runtimes/linux-x64/*'; } \
    > /tmp/wsss-gpu-prepare-files.txt
  tar -cJf .gl/wsss-bin.tar.xz -T /tmp/wsss-gpu-prepare-files.txt || fail "packing the builds"
  (git rev-parse HEAD 2>/dev/null || echo unknown; git status --porcelain 2>/dev/null | grep -q . && echo "(with uncommitted changes)" || true) \
    > .gl/wsss-bin.commit
  gl=$(du -sb .gl | cut -f1)
  tree=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
  total=$(( gl + tree ))
  echo ".gl/: $(( gl >> 20 )) MiB; tracked tree: $(( tree >> 20 )) MiB; together $(( total >> 20 )) MiB of the 64 MiB a call carries"
  [ "$total" -lt $(( 64 << 20 )) ] || fail "together over 64 MiB: the device machine would refuse the call"
  ls -la .gl
  echo "prepared. On the GPU machine: bash bench/gpu/run.sh OUTDIR [COPYDIR] (device tool: carry [\".gl\"])"
  exit 0
fi

out=${1:-bench-gpu-$(date -u +%Y%m%d-%H%M%S)}
copy=${2:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)
: > "$out/run.log"
keep() {
  local rc=$?
  # A command that set -e or set -u stopped, not fail(): still say so loudly, naming the step.
  if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
    echo "run.sh: FAILED: step '$current' stopped with exit code $rc (see the message above)" | tee -a "$out/run.log" >&2
  fi
  [ -n "$copy" ] || return 0
  mkdir -p "$copy"
  for f in results.md run.log machine.txt devices.txt vulkan-tests.log wsss-bench-gpu.json wsss-bench-cpu.json; do
    [ -f "$out/$f" ] && cp "$out/$f" "$copy/" || true
  done
}
trap keep EXIT
dry=${WSSS_GPU_DRY_RUN:-0}
# Time limits are a real GPU run's; a dry run multiplies them (a software driver on a small, shared machine runs the
# parity tests and the bench several times slower than a GPU machine, and a dry run checks the script, not the speed).
slow=1
if [ "$dry" = 1 ]; then
  slow=${WSSS_GPU_DRY_RUN_SLOWDOWN:-4}
  [[ $slow =~ ^[1-9][0-9]?$ ]] || fail "WSSS_GPU_DRY_RUN_SLOWDOWN must be a whole number 1-99, not '$slow'"
  export WSSS_VULKAN_DEVICE=${WSSS_VULKAN_DEVICE:-llvmpipe}
  gpu_size=(--images 4 --repeat 1 --batch-size 2); cpu_size=(--images 4 --repeat 1 --batch-size 2)
else
  export WSSS_VULKAN_DEVICE=${WSSS_VULKAN_DEVICE:-NVIDIA}
  gpu_size=(--images 32 --repeat 3); cpu_size=(--images 16 --repeat 3)
fi
step() { current=$*; echo "== $* ($(( $(date +%s) - start )) s) ==" | tee -a "$out/run.log"; }
start=$(date +%s)

step "machine"
{ date -u; uname -a; grep -m1 'model name' /proc/cpuinfo || true; echo "cores: $(nproc)"; uptime
  if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; else echo "no nvidia-smi"; fi; } \
  | tee "$out/machine.txt"

step ".NET"
if [ "${WSSS_GPU_USE_BUNDLE:-0}" = 1 ] || ! command -v dotnet >/dev/null; then
  for f in dotnet-runtime.tar.xz vstest.tar.xz wsss-bin.tar.xz; do
    [ -f ".gl/$f" ] || fail "no .gl/$f (needed without a dotnet on PATH or with WSSS_GPU_USE_BUNDLE=1): run bench/gpu/run.sh --prepare on a machine with the .NET SDK, and carry .gl"
  done
  mkdir -p "$out/dotnet" "$out/vstest"
  tar -xJf .gl/dotnet-runtime.tar.xz -C "$out/dotnet" || fail "unpacking .gl/dotnet-runtime.tar.xz"
  tar -xJf .gl/vstest.tar.xz -C "$out/vstest" || fail "unpacking .gl/vstest.tar.xz"
  tar -xJf .gl/wsss-bin.tar.xz -C "$repo" || fail "unpacking .gl/wsss-bin.tar.xz"
  export DOTNET_ROOT="$out/dotnet" PATH="$out/dotnet:$PATH"
  prebuilt=1
  echo "dotnet: carried runtime; builds of $(tr '\n' ' ' < .gl/wsss-bin.commit 2>/dev/null || echo 'an unknown commit')" | tee -a "$out/run.log"
else
  prebuilt=0
  echo "dotnet: $(command -v dotnet) (builds here)" | tee -a "$out/run.log"
fi
dotnet --list-runtimes > "$out/dotnet-runtimes.txt" 2>&1 || fail "dotnet does not start (see $out/dotnet-runtimes.txt)"
grep -q '^Microsoft.NETCore.App 10\.' "$out/dotnet-runtimes.txt" || fail "no .NET 10 runtime (see $out/dotnet-runtimes.txt)"

step "Vulkan loader"
# Read the whole listing before matching: `ldconfig -p | grep -q` can kill ldconfig with SIGPIPE, which pipefail
# would read as "not found".
cache=$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null || true)
on_path=""
search=${LD_LIBRARY_PATH:-}
for d in ${search//:/ }; do [ -e "$d/libvulkan.so.1" ] && on_path=$d; done
if [ "${WSSS_GPU_FORCE_GL_LOADER:-0}" = 1 ] || { ! grep -q 'libvulkan\.so\.1 ' <<< "$cache" && [ -z "$on_path" ]; }; then
  debs=$(ls .gl/*.deb 2>/dev/null || true)
  [ -n "$debs" ] || fail "no libvulkan.so.1 on this system and no .deb in .gl/ (fetch them with: bench/gpu/run.sh --prepare, or mkdir -p .gl && cd .gl && apt-get download libvulkan1)"
  mkdir -p "$out/loader"
  for d in $debs; do dpkg-deb -x "$d" "$out/loader" || fail "unpacking $d"; done
  found=$(find "$out/loader" -name 'libvulkan.so.1' | head -1)
  [ -n "$found" ] || fail "libvulkan.so.1 not found in the unpacked .gl packages"
  lib=$(dirname "$found")
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "loader: $lib (from .gl/)" | tee -a "$out/run.log"
else
  echo "loader: system" | tee -a "$out/run.log"
fi

step "NVIDIA ICD"
if [ "$dry" = 1 ]; then
  echo "dry run: no NVIDIA ICD lookup" | tee -a "$out/run.log"
elif [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  found=""
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then found=$f; break; fi
  done
  [ -n "$found" ] || fail "no NVIDIA ICD json in /usr/share/vulkan/icd.d, /etc/vulkan/icd.d or /usr/local/nvidia/share/vulkan/icd.d"
  export VK_DRIVER_FILES=$found
fi
echo "ICD: ${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-found by the loader itself}}" | tee -a "$out/run.log"

if [ "$prebuilt" = 0 ]; then
  step "build"
  timeout $((240 * slow)) dotnet build WsssGpuRefine.sln -c Release > "$out/build.log" 2>&1 || { tail -20 "$out/build.log"; fail "dotnet build (see $out/build.log)"; }
fi
[ -f "$cli_bin/wsss.dll" ] || fail "no $cli_bin/wsss.dll"
wsss=(dotnet "$cli_bin/wsss.dll")

step "wsss devices"
timeout $((30 * slow)) "${wsss[@]}" devices > "$out/devices.txt" 2>&1 || { cat "$out/devices.txt"; fail "wsss devices"; }
cat "$out/devices.txt"
grep -qi "^--backend vulkan picks: .*$WSSS_VULKAN_DEVICE" "$out/devices.txt" \
  || fail "wsss devices does not pick a '$WSSS_VULKAN_DEVICE' Vulkan device (see $out/devices.txt)"
if [ "$dry" != 1 ] && grep -qi "^--backend vulkan picks:.*software" "$out/devices.txt"; then
  fail "the picked Vulkan device is a software driver, not the GPU"
fi

# The filter (case-insensitive) keeps every test whose name says Vulkan and every Vulkan row of the [AllBackends]
# theories ("vulkan", "vulkan-staging", "vulkan-tiny-chunks"): the CPU-only tests are not what this run checks. The
# one test of a machine without a loader is left out: it hides the system's libvulkan.so.1, which the loader from
# .gl/ (on LD_LIBRARY_PATH) is not.
filter='DisplayName~vulkan&FullyQualifiedName!~Devices_says_the_vulkan_loader_is_missing'
step "Vulkan parity tests on the GPU (CI=true: a missing device fails, nothing is skipped)"
if [ "$prebuilt" = 1 ]; then
  tests=(dotnet "$out/vstest/vstest.console.dll" "$tests_bin/WsssGpuRefine.Tests.dll" "--TestCaseFilter:$filter"
         "--logger:trx;LogFileName=vulkan-tests.trx" "--ResultsDirectory:$out")
else
  tests=(dotnet test WsssGpuRefine.sln -c Release --no-build --filter "$filter"
         --logger "trx;LogFileName=vulkan-tests.trx" --results-directory "$out")
fi
CI=true timeout $((150 * slow)) "${tests[@]}" > "$out/vulkan-tests.log" 2>&1 \
  || { tail -30 "$out/vulkan-tests.log"; fail "Vulkan tests (see $out/vulkan-tests.log)"; }
grep -E "Passed!|Failed!" "$out/vulkan-tests.log" | tee -a "$out/run.log" || fail "no test summary in $out/vulkan-tests.log"
if grep -qE "Skipped: +[1-9]" "$out/vulkan-tests.log"; then fail "Vulkan tests were skipped under CI=true"; fi
grep -qE "Passed: +[1-9]" "$out/vulkan-tests.log" || fail "no Vulkan test ran (filter $filter)"

step "wsss bench --backend vulkan"
timeout $((100 * slow)) "${wsss[@]}" bench --backend vulkan --device "$WSSS_VULKAN_DEVICE" "${gpu_size[@]}" --json "$out/wsss-bench-gpu.json" \
  > "$out/wsss-bench-gpu.txt" 2>&1 || { cat "$out/wsss-bench-gpu.txt"; fail "wsss bench --backend vulkan"; }
cat "$out/wsss-bench-gpu.txt"

step "wsss bench --backend cpu"
timeout $((100 * slow)) "${wsss[@]}" bench --backend cpu "${cpu_size[@]}" --json "$out/wsss-bench-cpu.json" \
  > "$out/wsss-bench-cpu.txt" 2>&1 || { cat "$out/wsss-bench-cpu.txt"; fail "wsss bench --backend cpu"; }
cat "$out/wsss-bench-cpu.txt"

step "table"
{ echo "# wsss bench, $(date -u +%F), $(uname -n)$(if [ "$dry" = 1 ]; then echo " - DRY RUN on $WSSS_VULKAN_DEVICE: not GPU figures"; fi)"; echo
  echo '```'; cat "$out/machine.txt"; echo '```'; echo
  echo '```'; "${wsss[@]}" bench --merge "$out/wsss-bench-cpu.json" "$out/wsss-bench-gpu.json"; echo '```'; } > "$out/results.md" \
  || fail "wsss bench --merge"
cat "$out/results.md"
took=$(( $(date +%s) - start ))
echo "done in $took s; results in $out" | tee -a "$out/run.log"
[ "$took" -lt $((480 * slow)) ] || fail "took $took s, over the 8-minute budget$( [ "$slow" = 1 ] || echo " times $slow (dry run)")"
