#!/usr/bin/env bash
# The self-contained `wsss`, needing no .NET SDK or runtime on the target (README "Getting wsss").
#   build/publish.sh [RID]          the single file: the .NET runtime, the embedded SPIR-V shaders and the native
#                                   libraries (SkiaSharp, HarfBuzzSharp) in one executable, JIT-compiled at each start
#                                   for the CPU it runs on. RID: linux-x64 (default), linux-arm64, win-x64, osx-arm64, ...
#   build/publish.sh --aot [RID]    NativeAOT: machine code compiled here, so a run starts in tens of milliseconds
#                                   instead of compiling its code first (bench/RESULTS.md, "Start-up"); wsss with
#                                   libSkiaSharp.so and libHarfBuzzSharp.so beside it. Built for the host's OS (no
#                                   cross-OS builds) and for this machine's CPU; WSSS_AOT_CPU names a level instead,
#                                   e.g. WSSS_AOT_CPU=x86-64-v3 for any AVX2 machine of a cluster (no AVX-512 paths).
#                                   Needs clang and zlib1g-dev, as src/python/install.sh does.
# Writes artifacts/wsss-RID/wsss (wsss.exe on Windows), or artifacts/wsss-RID-aot/wsss, and prints its path. The
# packaging properties live in src/WsssGpuRefine.Cli's csproj and apply whenever a RID is given, so
# `dotnet publish src/WsssGpuRefine.Cli -c Release -r RID` is the same single-file build (add -p:WsssAot=true for AOT).
set -euo pipefail
cd "$(dirname "$0")/.."
aot=()
suffix=
if [[ ${1:-} == --aot ]]; then
  shift
  aot=(-p:WsssAot=true)
  [[ -n ${WSSS_AOT_CPU:-} ]] && aot+=("-p:IlcInstructionSet=$WSSS_AOT_CPU")
  suffix=-aot
fi
rid=${1:-linux-x64}
out=artifacts/wsss-$rid$suffix
export DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDDISABLENODEREUSE=1
rm -rf "$out"
log=$(mktemp)
# The AOT compiler's known warnings (Silk.NET's loader, see the csproj) are printed only when the publish fails.
dotnet publish src/WsssGpuRefine.Cli/WsssGpuRefine.Cli.csproj -c Release -r "$rid" "${aot[@]}" -o "$out" -nologo -v quiet >"$log" 2>&1 \
  || { cat "$log" >&2; rm -f "$log"; exit 1; }
rm -f "$log"
# The AOT compiler leaves the unstripped symbols (wsss.dbg) beside the executable; a user copies the folder.
rm -f "$out"/*.dbg
exe=$out/wsss
[[ $rid == win-* ]] && exe=$out/wsss.exe
[[ -f $exe ]] || { echo "error: $exe: dotnet publish wrote no executable" >&2; exit 1; }
echo "$exe"
