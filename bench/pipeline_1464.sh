#!/usr/bin/env bash
# The whole pipeline over a 1464-image VOC-size synthetic set, as a user would run it: generate, sweep the CAMs,
# refine (random walk + CRF) with a kill midway and a resume, score, and check that shards merge to the same score.
# Usage: bench/pipeline_1464.sh [WORKDIR] [BACKEND]   (default /tmp/wsss-1464, cpu)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/wsss-1464}
backend=${2:-cpu}
dotnet build -c Release src/WsssGpuRefine.Cli -v q -nologo >/dev/null
repo=$(pwd)
wsss() { dotnet "$repo/src/WsssGpuRefine.Cli/bin/Release/net10.0/wsss.dll" "$@"; }
stamp() { date +%s.%N; }
took() { echo "$1: $(echo "$(stamp) - $2" | bc) s"; }

rm -rf "$work"
t=$(stamp); wsss demo --images 1464 --size 500x375 --generate-only --out "$work/voc"; took "generate 1464 VOC-size images + dumps" "$t"
cd "$work"
t=$(stamp); wsss eval --cams voc/cams_irn --gt voc/SegmentationClass --list voc/train.txt --sweep 0:0.59:0.01 --backend "$backend" --json sweep.json | tail -1; took "eval sweep 60 thresholds (read dumps + GT, compute)" "$t"

t=$(stamp)
wsss refine --cams voc/cams_irn --images voc/JPEGImages --list voc/train.txt --out refined --rw image --crf irn --backend "$backend" &
pid=$!
sleep 60; kill -9 "$pid" || true; wait "$pid" 2>/dev/null || true
echo "killed after 60 s with $(ls refined/*.png | wc -l) of 1464 outputs written"
wsss refine --cams voc/cams_irn --images voc/JPEGImages --list voc/train.txt --out refined --rw image --crf irn --backend "$backend" \
    --gt voc/SegmentationClass --json refined.json --report report | tail -2
took "refine (random walk + CRF), killed and resumed, total" "$t"
grep -E '"(written|skipped_complete)"' refined/wsss-run.json
grep -A8 '"stage_seconds"' refined/wsss-run.json

t=$(stamp); wsss eval --labels refined --gt voc/SegmentationClass --list voc/train.txt --backend "$backend" --json final.json | tail -1; took "final eval of the label PNGs" "$t"
for k in 0 1 2; do wsss eval --labels refined --gt voc/SegmentationClass --list voc/train.txt --shard $k/3 --json shard$k.json >/dev/null; done
wsss merge shard0.json shard1.json shard2.json --json merged.json | tail -1
python3 - <<'PY'
import json
a, b = json.load(open('final.json')), json.load(open('merged.json'))
assert a['confusion'] == b['confusion'] and a['miou'] == b['miou'], 'merged shards differ from one run'
print('merged shards == one run:', a['miou'])
PY
