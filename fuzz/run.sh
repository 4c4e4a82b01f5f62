#!/usr/bin/env bash
# Coverage-guided fuzzing of the NPY, pickle and label-PNG readers: SharpFuzz instruments the library, afl-fuzz
# (Debian package afl++) drives it. Usage: fuzz/run.sh [SECONDS] (default 1800). Findings land in fuzz/findings/
# (not committed); replay one with: dotnet fuzz/out/WsssGpuRefine.Fuzz.dll fuzz/findings/default/crashes/FILE
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-1800}
command -v afl-fuzz >/dev/null || { echo "error: afl-fuzz not found (apt-get install afl++)" >&2; exit 1; }
command -v sharpfuzz >/dev/null || export PATH="$PATH:$HOME/.dotnet/tools"
command -v sharpfuzz >/dev/null || dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
rm -rf out
dotnet publish WsssGpuRefine.Fuzz/WsssGpuRefine.Fuzz.csproj -c Release -o out >/dev/null
sharpfuzz out/WsssGpuRefine.dll
python3 make_seeds.py seeds-built
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1
exec timeout "$seconds" afl-fuzz -i seeds-built -o findings -t 10000 -m none -- dotnet out/WsssGpuRefine.Fuzz.dll
