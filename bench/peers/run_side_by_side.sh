#!/bin/sh
# Runs the peers' recipes (bench/peers/peers.py, Debian /usr/bin/python3) and our BenchmarkDotNet / `wsss bench`
# equivalents one after the other on this machine, then prints the ratio table (side_by_side.py).
# Usage: bench/peers/run_side_by_side.sh [OUTDIR]      (from the repository root; takes 15-40 minutes on 2 cores)
# IRN_SWEEP_IMAGES=N times the IRN-style 60-threshold sweep on N images and extrapolates to 1464 (default 146;
# set 1464 for the full ~7-15 minute run). PIPELINE_IMAGES / PIPELINE_REPEAT size the `wsss bench` run.
set -eu
out=${1:-bench-side-by-side}
mkdir -p "$out"
py=/usr/bin/python3
peers=bench/peers/peers.py
: "${IRN_SWEEP_IMAGES:=146}" "${PIPELINE_IMAGES:=32}" "${PIPELINE_REPEAT:=3}"

{ echo "# $(date -u) $(uname -n)"; grep -m1 'model name' /proc/cpuinfo || true; echo "cores: $(nproc)"; uptime; } | tee "$out/machine.txt"

echo "== peers (python) =="
: > "$out/peers.jsonl"
for job in confusion rw_sparse rw_stencil rw_dense; do $py $peers $job | tee -a "$out/peers.jsonl"; done
$py $peers sweep --irn-sweep-images "$IRN_SWEEP_IMAGES" | tee -a "$out/peers.jsonl"

echo "== ours (BenchmarkDotNet, Release) =="
dotnet build -c Release bench/WsssGpuRefine.Benchmarks >/dev/null
for f in '*EvalBenchmarks*' '*.RandomWalkBenchmarks.*' '*CrfBenchmarks*'; do
  dotnet bench/WsssGpuRefine.Benchmarks/bin/Release/net10.0/WsssGpuRefine.Benchmarks.dll \
    --filter "$f" --job short --exporters json --artifacts "$out/bdn" | grep -E '^\|' || true
done

echo "== ours (wsss bench, CPU) =="
dotnet build -c Release src/WsssGpuRefine.Cli >/dev/null
dotnet src/WsssGpuRefine.Cli/bin/Release/net10.0/wsss.dll bench --backend cpu \
  --images "$PIPELINE_IMAGES" --repeat "$PIPELINE_REPEAT" --json "$out/wsss-bench-cpu.json"

uptime | tee -a "$out/machine.txt"
echo "== side by side =="
$py bench/peers/side_by_side.py "$out/peers.jsonl" "$out/bdn" "$out/wsss-bench-cpu.json" | tee "$out/side-by-side.md"
