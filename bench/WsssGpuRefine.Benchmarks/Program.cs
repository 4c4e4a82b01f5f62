if (args.Length > 1 && args[0] == "crf-profile")
{
    WsssGpuRefine.Benchmarks.CrfProfile.Run(args);
    return;
}
if (args.Length > 1 && args[0] == "rw-profile")
{
    WsssGpuRefine.Benchmarks.RwProfile.Run(args);
    return;
}
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
