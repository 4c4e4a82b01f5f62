using System.Runtime.ExceptionServices;

namespace WsssGpuRefine.Core;

/// <summary>
/// Parallel loops report failures as an AggregateException; callers of the operations expect the failure itself
/// (a <see cref="WsssInputException"/> naming the bad input), as the GPU paths throw it.
/// </summary>
internal static class ParallelWork
{
    /// <summary>Options for a loop without a backend's thread limit: the fork-safe scheduler (<see cref="ForkSafeScheduler"/>).</summary>
    public static ParallelOptions Options => new() { TaskScheduler = ForkSafeScheduler.Instance };

    public static void Run(Action loop)
    {
        try
        {
            loop();
        }
        catch (AggregateException e)
        {
            var flat = e.Flatten().InnerExceptions;
            var first = flat.FirstOrDefault(x => x is WsssInputException) ?? flat.FirstOrDefault() ?? e;
            ExceptionDispatchInfo.Capture(first).Throw();
        }
    }
}
