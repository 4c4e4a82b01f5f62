using System.Text;
using System.Text.RegularExpressions;

namespace WsssGpuRefine.Tests.RandomWalk;

/// <summary>
/// Test-only reader for the little-endian float32 / int64 C-order arrays the fixture script writes
/// (the library's own reader lives in Io/ and is not this area's).
/// </summary>
internal static partial class NpyTestReader
{
    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "rw", name);

    public static (float[] Data, int[] Shape) ReadFloat32(string name)
    {
        var (descr, shape, payload) = Read(name);
        Assert.Equal("<f4", descr);
        var data = new float[payload.Length / 4];
        Buffer.BlockCopy(payload, 0, data, 0, payload.Length);
        return (data, shape);
    }

    public static (long[] Data, int[] Shape) ReadInt64(string name)
    {
        var (descr, shape, payload) = Read(name);
        Assert.Equal("<i8", descr);
        var data = new long[payload.Length / 8];
        Buffer.BlockCopy(payload, 0, data, 0, payload.Length);
        return (data, shape);
    }

    private static (string Descr, int[] Shape, byte[] Payload) Read(string name)
    {
        var bytes = File.ReadAllBytes(FixturePath(name));
        Assert.True(bytes.Length > 10 && bytes[0] == 0x93 && Encoding.ASCII.GetString(bytes, 1, 5) == "NUMPY", name);
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int headerStart = major == 1 ? 10 : 12;
        string header = Encoding.Latin1.GetString(bytes, headerStart, headerLength);
        Assert.Contains("'fortran_order': False", header);
        string descr = DescrPattern().Match(header).Groups[1].Value;
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToArray();
        int start = headerStart + headerLength;
        return (descr, shape, bytes[start..]);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
