if (args.Length > 1 && args[0] == "crf-profile")
{
    WsssGpuRefine.Benchmarks.CrfProfile.Run(args);
    return;
}
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
