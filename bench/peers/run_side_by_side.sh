#!/bin/sh
# Runs the peers' recipes (bench/peers/peers.py, Debian /usr/bin/python3) and our BenchmarkDotNet / `wsss bench`
# equivalents one after the other on this machine, then prints the ratio table (side_by_side.py).
# Usage: bench/peers/run_side_by_side.sh [OUTDIR]      (from the repository root; takes 15-40 minutes on 2 cores)
# CRF_ONLY=1 runs only the CRF recipes' section (a few minutes). WSSS=PATH times that wsss executable there instead
# of this checkout's Release build, e.g. WSSS=artifacts/wsss-linux-x64-aot/wsss (build/publish.sh --aot). IRN_SWEEP_IMAGES=N times the IRN-style 60-threshold
# sweep on N images and extrapolates to 1464 (default 146; set 1464 for the full ~7-15 minute run). PIPELINE_IMAGES / PIPELINE_REPEAT size the `wsss bench` run.
set -eu
out=${1:-bench-side-by-side}
mkdir -p "$out"
py=/usr/bin/python3
peers=bench/peers/peers.py
: "${IRN_SWEEP_IMAGES:=146}" "${PIPELINE_IMAGES:=32}" "${PIPELINE_REPEAT:=3}"

{ echo "# $(date -u) $(uname -n)"; grep -m1 'model name' /proc/cpuinfo || true; echo "cores: $(nproc)"; uptime; } | tee "$out/machine.txt"

# CRF_ONLY=1 runs only the last section (the CRF recipes, a few minutes).
if [ "${CRF_ONLY:-0}" != 1 ]; then
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

fi

echo "== CRF recipes, whole processes, alternating (ir_label, la/ha, random walk + CRF) =="
dotnet build -c Release src/WsssGpuRefine.Cli >/dev/null
wsss=${WSSS:-dotnet src/WsssGpuRefine.Cli/bin/Release/net10.0/wsss.dll}
echo "ours: $wsss refine ... --backend cpu" | tee -a "$out/crf-recipes.txt"
# The seed code's CRF recipes (bench/peers/crf_recipes.py, real pydensecrf, 2 worker processes) against
# `wsss refine` on the same CRF_IMAGES generated 500x375 images, CRF_ROUNDS alternating rounds; the ratio is
# peer seconds / ours. Without pydensecrf the peer says so (exit 2) and no ratio is printed. The walk reads
# boundary maps that crf_recipes.py writes once from the sample's ground truth (untimed).
: "${CRF_IMAGES:=40}" "${CRF_ROUNDS:=2}"
sample="$out/crf-sample"
[ -f "$sample/train.txt" ] || dotnet src/WsssGpuRefine.Cli/bin/Release/net10.0/wsss.dll demo --generate-only --images "$CRF_IMAGES" --size 500x375 --out "$sample" >/dev/null
[ -d "$sample/boundary" ] || $py bench/peers/crf_recipes.py boundary "$sample"
if $py -c 'import pydensecrf.densecrf' 2>/dev/null; then
  for recipe in ir_label laha rw_crf; do
    case $recipe in
      ir_label) ours="--cams $sample/cams_irn --ir-label 0.30,0.05 --crf irn" ;;
      laha) ours="--cams $sample/cams_psa --format psa --gt $sample/SegmentationClass --la-ha 4,32" ;;
      rw_crf) ours="--cams $sample/cams_irn --rw boundary:$sample/boundary --crf irn" ;;
    esac
    for r in $(seq "$CRF_ROUNDS"); do
      t0=$(date +%s.%N); $py bench/peers/crf_recipes.py $recipe "$sample" "$out/peer-$recipe" --workers 2 >/dev/null; t1=$(date +%s.%N)
      # shellcheck disable=SC2086
      $wsss refine $ours --images "$sample/JPEGImages" --list "$sample/train.txt" \
        --out "$out/ours-$recipe" --backend cpu --overwrite >/dev/null; t2=$(date +%s.%N)
      echo "$recipe round $r: peer $(echo "$t1 - $t0" | bc) s, ours $(echo "$t2 - $t1" | bc) s, ratio $(echo "scale=2; ($t1 - $t0) / ($t2 - $t1)" | bc)x" \
        | tee -a "$out/crf-recipes.txt"
    done
    # Peak memory in one more run of each, apart from the timed ones (sampling /proc costs CPU): the peaks of each
    # process tree (PSS summed over the peer's parent and workers, and its largest single process).
    peer=$($py bench/peers/peak_memory.py -- $py bench/peers/crf_recipes.py $recipe "$sample" "$out/peer-$recipe" --workers 2)
    # shellcheck disable=SC2086
    mine=$($py bench/peers/peak_memory.py -- $wsss refine $ours \
      --images "$sample/JPEGImages" --list "$sample/train.txt" --out "$out/ours-$recipe" --backend cpu --overwrite)
    echo "$peer" >> "$out/crf-recipes.jsonl"; echo "$mine" >> "$out/crf-recipes.jsonl"
    $py - "$recipe" "$peer" "$mine" <<'PY' | tee -a "$out/crf-recipes.txt"
import json, sys
recipe, peer, mine = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"{recipe} peak memory: process tree PSS peer {peer['tree_pss_mib']} MiB, ours {mine['tree_pss_mib']} MiB "
      f"({mine['tree_pss_mib'] / peer['tree_pss_mib']:.2f}x); largest process peer {peer['max_rss_mib']} MiB, "
      f"ours {mine['max_rss_mib']} MiB ({mine['max_rss_mib'] / peer['max_rss_mib']:.2f}x)")
PY
  done
else
  echo "pydensecrf is not importable by $py: CRF recipe peers skipped (see bench/peers/README.md)" | tee -a "$out/crf-recipes.txt"
fi
