namespace WsssGpuRefine.Core;

/// <summary>
/// The scheduler of the engine's parallel loops (<see cref="ParallelWork.Options"/>,
/// <see cref="Backends.ComputeBackend.ParallelOptions"/>): tasks go to the .NET thread pool, as with the default
/// scheduler, but a thread that waits for a queued task may always run it itself.
/// </summary>
/// <remarks>
/// A process forked from one that had used the thread pool (Python's DataLoader workers, multiprocessing "fork"
/// over the native library) inherits the pool's bookkeeping but none of its threads: the pool believes its workers
/// exist and starts no new ones. With the default scheduler a Parallel.For then waits forever for the replica it
/// queued (the default scheduler inlines a queued task only from a pool thread's own queue). Here the waiting caller
/// runs it: in such a child every loop runs on the calling thread, serially and to completion, with the same
/// results; elsewhere the only change is that a caller may take a still-queued share of its loop itself.
/// </remarks>
internal sealed class ForkSafeScheduler : TaskScheduler
{
    public static readonly ForkSafeScheduler Instance = new();

    private ForkSafeScheduler()
    {
    }

    protected override void QueueTask(Task task) =>
        ThreadPool.UnsafeQueueUserWorkItem(static t => Instance.TryExecuteTask(t), task, preferLocal: true);

    // TryExecuteTask runs a task at most once: whichever of the waiting caller and the pool item comes first runs it;
    // the other finds it started and returns.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => TryExecuteTask(task);

    protected override IEnumerable<Task>? GetScheduledTasks() => null;
}
