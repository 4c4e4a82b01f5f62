using WsssGpuRefine.Jobs;

namespace WsssGpuRefine.Tests.Jobs;

public class BatchStreamTests
{
    [Fact]
    public void Overlap_is_the_share_of_the_shorter_phase_hidden_behind_the_longer()
    {
        // One after the other: wall = decode + compute.
        Assert.Equal(0, StreamOverlap.Of(2, 6, 8));
        // Fully hidden: wall = the longer phase.
        Assert.Equal(1, StreamOverlap.Of(2, 6, 6));
        // Half of the 2 s of decoding hidden: wall 7 = 2 + 6 - 1.
        Assert.Equal(0.5, StreamOverlap.Of(2, 6, 7), 12);
        // Symmetric in the two phases: the shorter one is what can be hidden.
        Assert.Equal(0.25, StreamOverlap.Of(8, 4, 11), 12);
        // Hand-over noise past decode + compute reads 0, a wall under the longer phase 1; nothing to hide reads 0.
        Assert.Equal(0, StreamOverlap.Of(2, 6, 8.01));
        Assert.Equal(1, StreamOverlap.Of(2, 6, 5.5));
        Assert.Equal(0, StreamOverlap.Of(0, 6, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamOverlap.Of(-1, 6, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamOverlap.Of(1, double.NaN, 6));

        // Repetitions add up figure by figure; the overlap is then that of the sums, not a mean of ratios.
        var sum = new StreamOverlap(2, 6, 8, 3) + new StreamOverlap(2, 2, 2, 3);
        Assert.Equal(new StreamOverlap(4, 8, 10, 6), sum);
        Assert.Equal(0.5, sum.Overlap, 12);
    }

    [Fact]
    public void At_most_two_batches_are_held_and_the_timings_count_every_batch()
    {
        // 7 ids in batches of 2: 4 batches. The first batch is processed slowly, which gives an unbounded producer
        // every chance to decode ahead; at most two batches may be loaded and not yet processed at any time.
        var ids = Enumerable.Range(0, 7).Select(i => $"id{i}").ToArray();
        int held = 0, maxHeld = 0;
        var seen = new List<int>();
        var stream = new BatchStream<int>(ids, id =>
        {
            int now = Interlocked.Increment(ref held);
            lock (seen) maxHeld = Math.Max(maxHeld, now);
            return int.Parse(id.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture);
        }, id => id, batchSize: 2, keepGoing: false, decodeThreads: 2);
        stream.Run(batch =>
        {
            if (batch[0].Index == 0) Thread.Sleep(300);
            lock (seen) seen.AddRange(batch.Select(b => b.Value));
            Interlocked.Add(ref held, -batch.Count);
        });
        Assert.Equal(Enumerable.Range(0, 7), seen);
        Assert.InRange(maxHeld, 1, 4);
        var t = stream.Timings;
        Assert.Equal(4, t.Batches);
        Assert.True(t.DecodeSeconds >= 0 && t.ComputeSeconds > 0 && t.WallSeconds >= t.ComputeSeconds, t.ToString());
        Assert.InRange(t.Overlap, 0, 1);
    }
}
