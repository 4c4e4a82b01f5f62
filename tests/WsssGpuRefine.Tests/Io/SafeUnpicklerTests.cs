using System.Numerics;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Pickle;

namespace WsssGpuRefine.Tests.Io;

public class SafeUnpicklerTests
{
    private const string Marker = "/tmp/wsss_pwned";

    private static byte[] Latin1(string s) => System.Text.Encoding.Latin1.GetBytes(s);

    [Theory]
    [InlineData("bad/evil_system_p3.npy", "posix.system")]
    [InlineData("bad/evil_eval_p4.npy", "builtins.eval")]
    [InlineData("bad/evil_subprocess_p3.npy", "subprocess.call")]
    [InlineData("bad/evil_eval_p2.npy", "__builtin__.eval")]
    [InlineData("bad/evil_os_system_global.npy", "os.system")]
    [InlineData("bad/frombuffer.npy", "numpy.core.numeric._frombuffer")]
    public void Hostile_globals_are_refused_and_nothing_runs(string file, string global)
    {
        if (File.Exists(Marker)) File.Delete(Marker);
        string path = IoFixtures.File(file);

        var e = Assert.Throws<WsssInputException>(() => CamDumpReader.Read(path));

        Assert.Equal($"pickle global '{global}' is not allowed", e.Reason);
        Assert.Equal($"{path}: pickle global '{global}' is not allowed", e.Message);
        Assert.False(File.Exists(Marker));
    }

    [Theory]
    [InlineData("bad/inst.npy", "pickle opcode INST is not allowed")]
    [InlineData("bad/obj.npy", "pickle opcode OBJ is not allowed")]
    [InlineData("bad/newobj.npy", "pickle opcode NEWOBJ is not allowed")]
    [InlineData("bad/newobj_ex.npy", "pickle opcode NEWOBJ_EX is not allowed")]
    [InlineData("bad/persid.npy", "pickle persistent id outside a torch storage stream is not allowed")]
    [InlineData("bad/unknown_opcode.npy", "unknown pickle opcode 0xff at offset 2")]
    [InlineData("bad/no_stop.npy", "truncated pickle (the data ends before STOP)")]
    [InlineData("bad/truncated_dump.npy", "truncated pickle (the data ends before STOP)")]
    [InlineData("bad/reduce_dtype_on_string.npy", "malformed pickle: REDUCE on a numpy dtype, not an allowed global")]
    [InlineData("bad/build_on_dict.npy", "malformed pickle: BUILD on a dict (only numpy arrays and dtypes take state)")]
    [InlineData("bad/not_a_dict.npy", "the pickle in an object NPY file is not a numpy object array")]
    public void Forbidden_or_broken_pickles_are_refused_with_a_reason(string file, string reason)
    {
        string path = IoFixtures.File(file);
        var e = Assert.Throws<WsssInputException>(() => NpyReader.Read(path));
        Assert.Equal(reason, e.Reason);
        Assert.Equal(path, e.File);
    }

    [Fact]
    public void Torch_storage_types_are_refused_outside_a_storage_stream()
    {
        var e = Assert.Throws<WsssInputException>(() => SafeUnpickler.Load(Latin1("\u0080\u0002ctorch\nFloatStorage\n.")));
        Assert.Equal("pickle global 'torch.FloatStorage' is not allowed", e.Reason);
    }

    [Fact]
    public void Allowed_but_non_callable_globals_cannot_be_reduced()
    {
        // numpy.ndarray is only a marker argument of _reconstruct.
        var e = Assert.Throws<WsssInputException>(() => SafeUnpickler.Load(Latin1("\u0080\u0002cnumpy\nndarray\n)R.")));
        Assert.Contains("not callable", e.Reason);
    }

    [Fact]
    public void Scalars_strings_containers_and_memo_decode_like_python()
    {
        // pickle.dumps([1, -2, 300, 70000, 2**70, -2**63, 1.5, 'héllo', b'\x00\xff', None, True, (1,), {'a': [7]}], protocol=4)
        // composed by hand with a memo reference to the first string.
        var bytes = new List<byte>();
        bytes.AddRange(new byte[] { 0x80, 4, (byte)']', (byte)'(' });
        bytes.AddRange(new byte[] { (byte)'K', 1 });
        bytes.AddRange(new byte[] { (byte)'J', 0xfe, 0xff, 0xff, 0xff });
        bytes.AddRange(new byte[] { (byte)'M', 0x2c, 0x01 });
        bytes.AddRange(new byte[] { (byte)'J', 0x70, 0x11, 0x01, 0x00 });
        bytes.AddRange(new byte[] { 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40 });
        bytes.AddRange(new byte[] { 0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80 });
        bytes.AddRange(new byte[] { (byte)'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0 });
        bytes.AddRange(new byte[] { 0x8c, 6, (byte)'h', 0xc3, 0xa9, (byte)'l', (byte)'l', (byte)'o', 0x94 });
        bytes.AddRange(new byte[] { (byte)'C', 2, 0x00, 0xff });
        bytes.AddRange(new byte[] { (byte)'N', 0x88 });
        bytes.AddRange(new byte[] { (byte)'K', 1, 0x85 });
        bytes.AddRange(new byte[] { (byte)'}', 0x8c, 1, (byte)'a', (byte)']', (byte)'K', 7, (byte)'a', (byte)'s' });
        bytes.AddRange(new byte[] { (byte)'h', 0 });
        bytes.AddRange(new byte[] { (byte)'e', (byte)'.' });

        var list = Assert.IsType<List<object?>>(SafeUnpickler.Load(bytes.ToArray()));

        Assert.Equal(14, list.Count);
        Assert.Equal(1L, list[0]);
        Assert.Equal(-2L, list[1]);
        Assert.Equal(300L, list[2]);
        Assert.Equal(70000L, list[3]);
        Assert.Equal(BigInteger.Pow(2, 70), list[4]);
        Assert.Equal(long.MinValue, list[5]);
        Assert.Equal(1.5, list[6]);
        Assert.Equal("héllo", list[7]);
        Assert.Equal(new byte[] { 0, 0xff }, list[8]);
        Assert.Null(list[9]);
        Assert.Equal(true, list[10]);
        Assert.Equal(new object?[] { 1L }, list[11]);
        var dict = Assert.IsType<PyDict>(list[12]);
        Assert.Equal(new List<object?> { 7L }, dict["a"]);
        Assert.Same(list[7], list[13]);
    }

    [Fact]
    public void Bytes_values_are_owned_copies_not_views_of_the_input()
    {
        // {'big': b'\x07' * 5000, 'small': b'\x01\x02', 'again': <memo of big>} at protocol 4.
        var big = Enumerable.Repeat((byte)7, 5000).ToArray();
        var pickle = new List<byte> { 0x80, 4, (byte)'}', (byte)'(' };
        pickle.AddRange(new byte[] { 0x8c, 3, (byte)'b', (byte)'i', (byte)'g', (byte)'B' });
        pickle.AddRange(BitConverter.GetBytes(big.Length));
        pickle.AddRange(big);
        pickle.Add(0x94);
        pickle.AddRange(new byte[] { 0x8c, 5, (byte)'s', (byte)'m', (byte)'a', (byte)'l', (byte)'l', (byte)'C', 2, 1, 2 });
        pickle.AddRange(new byte[] { 0x8c, 5, (byte)'a', (byte)'g', (byte)'a', (byte)'i', (byte)'n', (byte)'h', 0, (byte)'u', (byte)'.' });
        var buffer = pickle.ToArray();

        var dict = Assert.IsType<PyDict>(SafeUnpickler.Load(buffer));
        Array.Clear(buffer);

        Assert.Equal(big, Assert.IsType<byte[]>(dict["big"]));
        Assert.Equal(new byte[] { 1, 2 }, Assert.IsType<byte[]>(dict["small"]));
        Assert.Equal(big, Assert.IsType<byte[]>(dict["again"]));
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 2, (byte)'h', 5, (byte)'.' }, "memo entry 5 read before it was written")]
    [InlineData(new byte[] { 0x80, 2, (byte)'t', (byte)'.' }, "no MARK on the stack")]
    [InlineData(new byte[] { 0x80, 2, (byte)'.' }, "stack underflow")]
    [InlineData(new byte[] { 0x80, 2, (byte)'(', (byte)'K', 1, (byte)'a', (byte)'.' }, "stack underflow")]
    [InlineData(new byte[] { 0x80, 2, (byte)'K', 1, (byte)'K', 1, (byte)'.' }, "values left on the stack at STOP")]
    [InlineData(new byte[] { 0x80, 9, (byte)'.' }, "unsupported pickle protocol 9")]
    [InlineData(new byte[] { 0x80, 2, (byte)'X', 0xff, 0xff, 0xff, 0x7f, (byte)'.' }, "truncated pickle (the data ends before STOP)")]
    [InlineData(new byte[] { 0x80, 2, (byte)'K', 1, (byte)'K', 1, (byte)'a', (byte)'.' }, "APPEND to an int")]
    public void Malformed_streams_are_refused(byte[] pickle, string reasonPart)
    {
        var e = Assert.Throws<WsssInputException>(() => SafeUnpickler.Load(pickle));
        Assert.Contains(reasonPart, e.Reason);
    }
}
