using System.Diagnostics;
using Spectre.Console;

namespace WsssGpuRefine.Cli.Commands;

/// <summary>
/// A progress bar with rate and ETA on a terminal (Spectre.Console), plain "done/total" lines on stderr every 10 %
/// otherwise, so logs of batch jobs stay readable. Progress goes to stderr: stdout carries only results.
/// </summary>
internal static class ProgressDisplay
{
    public static T Run<T>(string title, int total, Func<IProgress<int>, T> work)
    {
        bool interactive = !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null && total > 1;
        if (!interactive) return work(new PlainProgress(title, total));

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ImageRateColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: total);
                result = work(new Progress(task));
            });
        return result;
    }

    private sealed class Progress(ProgressTask task) : IProgress<int>
    {
        public void Report(int value) => task.Increment(value);
    }

    private sealed class PlainProgress(string title, int total) : IProgress<int>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _done;
        private int _lastDecile;

        public void Report(int value)
        {
            int done = Interlocked.Add(ref _done, value);
            int decile = total == 0 ? 10 : done * 10 / total;
            int last = Volatile.Read(ref _lastDecile);
            // Reports come from the decode and compute threads: only the one that moves the decile prints it.
            if (decile <= last || total < 20 || Interlocked.CompareExchange(ref _lastDecile, decile, last) != last) return;
            double rate = done / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
            Console.Error.WriteLine($"{title}: {done}/{total} ({rate:F1} img/s)");
        }
    }

    /// <summary>Images per second instead of Spectre's bytes-oriented transfer speed.</summary>
    private sealed class ImageRateColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } s ? $"{s:F1} img/s" : "");
    }
}
