using System.Diagnostics;
using System.Threading.Channels;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Jobs;

/// <summary>A loaded item and the id it belongs to.</summary>
public readonly record struct Loaded<T>(int Index, string Id, T Value);

/// <summary>
/// Streams a list of ids through "decode in parallel -> compute in batches": the next batch is decoded while
/// the current one is computed, and at most <see cref="MaxBatchesInFlight"/> batches are held (decoding, waiting or
/// computing), so memory stays bounded whatever the list length: batch k+2 is not decoded before batch k is done.
/// Bad items become <see cref="ItemFailure"/>s: with keep-going they are collected and skipped, otherwise the first
/// one stops the run. <see cref="Timings"/> says how much of the decoding the computing hid.
/// </summary>
public sealed class BatchStream<T>
{
    private const int MaxBatchesInFlight = 2;

    /// <summary>A stream over <paramref name="ids"/>; nothing is loaded until <see cref="Run"/>.</summary>
    /// <param name="ids">Image ids in processing order.</param>
    /// <param name="load">Loads one id; may throw WsssInputException, ItemFailedException or I/O exceptions, which become that item's failure.</param>
    /// <param name="fileOfFailure">The file to name for an id whose failure names none (usually its CAM dump).</param>
    /// <param name="batchSize">Items per batch, positive; at most two batches are held at once.</param>
    /// <param name="keepGoing">True collects failures in <see cref="Failures"/> and skips the items; false stops at the first with <see cref="ItemFailedException"/>.</param>
    /// <param name="decodeThreads">Threads loading a batch; null uses every core.</param>
    /// <exception cref="ArgumentOutOfRangeException">The batch size is not positive.</exception>
    public BatchStream(IReadOnlyList<string> ids, Func<string, T> load, Func<string, string> fileOfFailure,
        int batchSize, bool keepGoing, int? decodeThreads = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(fileOfFailure);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");
        _ids = ids;
        _load = load;
        _fileOfFailure = fileOfFailure;
        _batchSize = batchSize;
        _keepGoing = keepGoing;
        _decodeThreads = decodeThreads ?? Environment.ProcessorCount;
    }

    private readonly IReadOnlyList<string> _ids;
    private readonly Func<string, T> _load;
    private readonly Func<string, string> _fileOfFailure;
    private readonly int _batchSize;
    private readonly bool _keepGoing;
    private readonly int _decodeThreads;
    private readonly List<ItemFailure> _failures = [];
    private long _decodeTicks, _computeTicks, _wallTicks;
    private int _batches;

    /// <summary>
    /// Decode, compute and wall time of the last <see cref="Run"/> (zero before one), and the overlap they imply:
    /// decode is the wall time of each batch's parallel load, compute the wall time of each batch's processing,
    /// both summed over batches.
    /// </summary>
    public StreamOverlap Timings => new(
        _decodeTicks / (double)Stopwatch.Frequency,
        _computeTicks / (double)Stopwatch.Frequency,
        _wallTicks / (double)Stopwatch.Frequency,
        _batches);

    /// <summary>Failures in list order (only with keep-going; otherwise the first one is thrown).</summary>
    public IReadOnlyList<ItemFailure> Failures
    {
        get
        {
            // One pass over the list, not one per failure: a run where most items fail stays linear.
            var position = new Dictionary<string, int>(_ids.Count);
            for (int i = 0; i < _ids.Count; i++) position.TryAdd(_ids[i], i);
            lock (_failures) return _failures.OrderBy(f => position.GetValueOrDefault(f.Id, int.MaxValue)).ToList();
        }
    }

    /// <summary>Runs <paramref name="process"/> on each batch of successfully loaded items, in list order.</summary>
    public void Run(Action<IReadOnlyList<Loaded<T>>> process, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(process);
        long runStart = Stopwatch.GetTimestamp();
        _decodeTicks = _computeTicks = _wallTicks = 0;
        _batches = 0;
        var channel = Channel.CreateBounded<List<Loaded<T>>>(new BoundedChannelOptions(MaxBatchesInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        using var cancel = new CancellationTokenSource();
        // One slot per batch held: taken before a batch is decoded, given back once it is processed.
        using var slots = new SemaphoreSlim(MaxBatchesInFlight, MaxBatchesInFlight);
        var producer = Task.Run(async () =>
        {
            try
            {
                for (int start = 0; start < _ids.Count; start += _batchSize)
                {
                    await slots.WaitAsync(cancel.Token).ConfigureAwait(false);
                    int count = Math.Min(_batchSize, _ids.Count - start);
                    var loaded = new Loaded<T>?[count];
                    var failures = new ItemFailure?[count];
                    long decodeStart = Stopwatch.GetTimestamp();
                    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = _decodeThreads }, i =>
                    {
                        string id = _ids[start + i];
                        try
                        {
                            loaded[i] = new Loaded<T>(start + i, id, _load(id));
                        }
                        catch (WsssInputException e)
                        {
                            failures[i] = new ItemFailure(id, e.File ?? _fileOfFailure(id), e.Reason);
                        }
                        catch (ItemFailedException e)
                        {
                            failures[i] = e.Failure;
                        }
                        catch (IOException e)
                        {
                            failures[i] = new ItemFailure(id, _fileOfFailure(id), e.Message);
                        }
                        catch (UnauthorizedAccessException e)
                        {
                            failures[i] = new ItemFailure(id, _fileOfFailure(id), e.Message);
                        }
                    });
                    // Read by Run only after the producer has ended (producer.Wait below).
                    _decodeTicks += Stopwatch.GetTimestamp() - decodeStart;
                    _batches++;
                    foreach (var failure in failures)
                    {
                        if (failure is null) continue;
                        if (!_keepGoing) throw new ItemFailedException(failure);
                        lock (_failures) _failures.Add(failure);
                    }
                    var batch = loaded.Where(s => s.HasValue).Select(s => s!.Value).ToList();
                    await channel.Writer.WriteAsync(batch, cancel.Token).ConfigureAwait(false);
                    if (count > batch.Count) progress?.Report(count - batch.Count);
                }
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        });

        try
        {
            while (channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (channel.Reader.TryRead(out var batch))
                {
                    if (batch.Count > 0)
                    {
                        long computeStart = Stopwatch.GetTimestamp();
                        process(batch);
                        _computeTicks += Stopwatch.GetTimestamp() - computeStart;
                    }
                    slots.Release();
                    progress?.Report(batch.Count);
                }
            }
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
        catch
        {
            cancel.Cancel();
            throw;
        }
        finally
        {
            try { producer.Wait(); } catch (AggregateException) { }
            _wallTicks = Stopwatch.GetTimestamp() - runStart;
        }
    }

    /// <summary>Records a failure found while processing (e.g. a size mismatch seen only at compute time).</summary>
    public void Fail(ItemFailure failure)
    {
        if (!_keepGoing) throw new ItemFailedException(failure);
        lock (_failures) _failures.Add(failure);
    }
}
