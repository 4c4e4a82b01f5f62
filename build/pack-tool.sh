#!/usr/bin/env bash
# The dotnet tool package (README "Getting wsss"): writes artifacts/nupkg/WsssGpuRefine.Cli.VERSION.nupkg and prints
# its path. Install it with
#   dotnet tool install --tool-path DIR --add-source artifacts/nupkg WsssGpuRefine.Cli    (or --global)
# The tool runs on the target's .NET 10 runtime; its native libraries ride in the package's runtimes/ folder.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/nupkg
export DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDDISABLENODEREUSE=1
rm -rf "$out"
dotnet pack src/WsssGpuRefine.Cli/WsssGpuRefine.Cli.csproj -c Release -o "$out" -nologo -v quiet >&2
ls "$out"/WsssGpuRefine.Cli.*.nupkg
