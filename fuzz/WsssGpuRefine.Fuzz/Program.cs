using SharpFuzz;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Fuzz;

/// <summary>
/// One afl-fuzz target for the readers that parse untrusted bytes. The first input byte picks the reader
/// (so one fuzzer on one core covers all of them and shares what it learns); the rest is the file. A
/// clean <see cref="WsssInputException"/> is the expected outcome for bad input; any other exception, a
/// stack overflow or a hang is a finding.
/// </summary>
public static class Program
{
    private static readonly CamReadOptions DumpOptions = new() { PresentForegroundClasses = new HashSet<int> { 2, 7, 14 } };

    public static void Main(string[] args)
    {
        if (args.Length == 1)
        {
            // Replays one file (a crash afl saved) outside afl, to see the exception.
            Run(File.ReadAllBytes(args[0]));
            return;
        }
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            Run(buffer.ToArray());
        });
    }

    private static void Run(byte[] input)
    {
        if (input.Length == 0) return;
        var file = input.AsMemory(1);
        try
        {
            switch (input[0] % 3)
            {
                case 0:
                    // NPY (plain or pickled), then the CAM-dump layouts over it, which materialise its tensors.
                    var array = NpyReader.Read(file);
                    if (array.DType.Type == NpyElementType.Object) CamDumpReader.Interpret(array, DumpOptions);
                    else array.ToFloat32();
                    break;
                case 1:
                    WsssGpuRefine.Io.Pickle.SafeUnpickler.Load(file);
                    break;
                case 2:
                    LabelPngReader.Decode(file.Span);
                    break;
            }
        }
        catch (WsssInputException)
        {
        }
    }
}
