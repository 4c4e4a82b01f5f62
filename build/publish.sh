#!/usr/bin/env bash
# The self-contained single-file `wsss`: the .NET runtime, the embedded SPIR-V shaders and the native libraries
# (SkiaSharp, HarfBuzzSharp) in one executable that needs no .NET SDK on the target (README "Getting wsss").
#   build/publish.sh [RID]    RID: linux-x64 (default), linux-arm64, win-x64, osx-arm64, ...
# writes artifacts/wsss-RID/wsss (wsss.exe on Windows) and prints its path. The packaging properties (SelfContained,
# PublishSingleFile, IncludeNativeLibrariesForSelfExtract, compression) live in src/WsssGpuRefine.Cli's csproj
# and apply whenever a RID is given, so `dotnet publish src/WsssGpuRefine.Cli -c Release -r RID` is the same build.
set -euo pipefail
cd "$(dirname "$0")/.."
rid=${1:-linux-x64}
out=artifacts/wsss-$rid
export DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDDISABLENODEREUSE=1
rm -rf "$out"
dotnet publish src/WsssGpuRefine.Cli/WsssGpuRefine.Cli.csproj -c Release -r "$rid" -o "$out" -nologo -v quiet >&2
exe=$out/wsss
[[ $rid == win-* ]] && exe=$out/wsss.exe
[[ -f $exe ]] || { echo "error: $exe: dotnet publish wrote no executable" >&2; exit 1; }
echo "$exe"
