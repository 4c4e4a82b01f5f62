using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Sweep;

public sealed partial class ThresholdSweep
{
    private sealed partial record AddBatch
    {
        public bool OnCpu(CpuBackend cpu)
        {
            var (sweep, items) = (Sweep, Items);
            ParallelWork.Run(() => Parallel.For(0, items.Count, cpu.ParallelOptions,
                () => (Counts: new int[sweep.HistogramLength], Pixels: 0L),
                (i, _, local) =>
                {
                    // int counters are flushed before they could overflow.
                    if (local.Pixels + items[i].GroundTruth.PixelCount > int.MaxValue)
                    {
                        sweep.AddHistogram(local.Counts);
                        Array.Clear(local.Counts);
                        local.Pixels = 0;
                    }
                    sweep.AccumulateCpu(items[i], local.Counts);
                    local.Pixels += items[i].GroundTruth.PixelCount;
                    return local;
                },
                local => sweep.AddHistogram(local.Counts)));
            return true;
        }
    }

    internal void AccumulateCpu(CamWithGroundTruth item, int[] counts)
    {
        Validate(item);
        var fg = item.Cams.ForegroundOnly();
        int n = fg.PixelCount, k = Classes;
        int[] ids = fg.LabelIds;
        ReadOnlySpan<byte> gt = item.GroundTruth.Labels;
        Span<float> max = stackalloc float[MaxArgmaxRows.ChunkPixels];
        Span<int> arg = stackalloc int[MaxArgmaxRows.ChunkPixels];
        for (int start = 0; start < n; start += MaxArgmaxRows.ChunkPixels)
        {
            int len = MaxArgmaxRows.ChunkLength(n, start);
            MaxArgmaxRows.Compute(fg.Values.Span, fg.Channels, n, start, max[..len], arg[..len]);
            for (int i = 0; i < len; i++)
            {
                int g = gt[start + i];
                if (g == LabelMap.Ignore) continue;
                if (g >= k)
                    throw new WsssInputException(null, $"ground-truth label {g} is outside 0..{k - 1} and is not 255 (check --classes)");
                int label = fg.Channels == 0 ? 0 : ids[arg[i]];
                counts[(Bins.BinOf(max[i]) * k + g) * k + label]++;
            }
        }
    }
}
