using System.Text;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.Npy;

namespace WsssGpuRefine.Tests.Io;

public class NpyReaderTests
{
    public static IEnumerable<object[]> PlainNames => IoFixtures.Names("plain");

    [Theory]
    [MemberData(nameof(PlainNames))]
    public void Plain_fixture_decodes_to_numpys_values(string name)
    {
        var expected = IoFixtures.Section("plain").GetProperty(name);
        var array = NpyReader.Read(IoFixtures.File($"npy/{name}.npy"));

        Assert.Equal(IoFixtures.Ints(expected.GetProperty("shape")), array.Shape);
        Assert.False(array.DType.BigEndian);
        var values = expected.GetProperty("values");
        if (array.DType.IsInteger || array.DType.Type == NpyElementType.Bool)
            Assert.Equal(IoFixtures.Longs(values), array.ToInt64());
        else
            Assert.Equal(IoFixtures.Doubles(values), array.ToFloat64());
    }

    [Fact]
    public void Big_endian_and_little_endian_files_give_identical_arrays()
    {
        foreach (var code in new[] { "f4", "f8", "f2", "i8", "i4", "i2", "u2", "u4" })
        {
            var le = NpyReader.Read(IoFixtures.File($"npy/plain_le_{code}.npy"));
            var be = NpyReader.Read(IoFixtures.File($"npy/plain_be_{code}.npy"));
            Assert.Equal(le.DType, be.DType);
            Assert.Equal(le.Data, be.Data);
        }
    }

    [Fact]
    public void Fortran_order_is_reordered_to_row_major()
    {
        var c = NpyReader.Read(IoFixtures.File("npy/plain_le_f4.npy"));
        var f = NpyReader.Read(IoFixtures.File("npy/fortran_f4.npy"));
        Assert.Equal(c.Shape, f.Shape);
        Assert.Equal(c.ToFloat32(), f.ToFloat32());
        var ints = NpyReader.Read(IoFixtures.File("npy/fortran_i8_2d.npy")).ToInt64();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i * 7L - 30), ints);
    }

    [Fact]
    public void Scalar_and_empty_arrays_keep_their_shapes()
    {
        var scalar = NpyReader.Read(IoFixtures.File("npy/scalar_f8.npy"));
        Assert.Empty(scalar.Shape);
        Assert.Equal(new[] { 3.25 }, scalar.ToFloat64());
        var empty = NpyReader.Read(IoFixtures.File("npy/empty_f4.npy"));
        Assert.Equal(new[] { 0, 4 }, empty.Shape);
        Assert.Empty(empty.ToFloat32());
    }

    [Theory]
    [InlineData("plain_le_f4")]
    [InlineData("plain_be_f4")]
    [InlineData("fortran_f4")]
    [InlineData("plain_le_f8")]
    [InlineData("plain_be_i2")]
    [InlineData("plain_na_b1")]
    [InlineData("scalar_f8")]
    [InlineData("empty_f4")]
    public void ReadFloat32_matches_the_general_reader(string name)
    {
        string path = IoFixtures.File($"npy/{name}.npy");
        var general = NpyReader.Read(path);
        var direct = NpyReader.ReadFloat32(path);
        Assert.Equal(general.Shape, direct.Shape);
        Assert.Equal(general.ToFloat32(), direct.Data);
    }

    [Fact]
    public void ReadFloat32_refuses_pickles_and_truncation_naming_the_file()
    {
        string dump = IoFixtures.File("dumps/d_psa.npy");
        var e = Assert.Throws<WsssInputException>(() => NpyReader.ReadFloat32(dump));
        Assert.Equal(dump, e.File);
        Assert.Contains("object", e.Reason);
        string cut = IoFixtures.File("bad/truncated_plain.npy");
        var t = Assert.Throws<WsssInputException>(() => NpyReader.ReadFloat32(cut));
        Assert.Equal(cut, t.File);
        Assert.Contains("truncated array data", t.Reason);
    }

    [Fact]
    public void Float_arrays_refuse_integer_access()
    {
        var f = NpyReader.Read(IoFixtures.File("npy/plain_le_f4.npy"));
        var e = Assert.Throws<WsssInputException>(() => f.ToInt64());
        Assert.Contains("integer", e.Reason);
    }

    [Theory]
    [InlineData("{'descr':'<i2','shape':(2,),'fortran_order':False}")]
    [InlineData("{\"fortran_order\": False, \"shape\": (2, ), \"descr\": \"<i2\", }")]
    [InlineData("  {  'shape' : ( 2 , ) ,\n 'descr' : '<i2' , 'fortran_order' : False } ")]
    [InlineData("{'descr': '<i2', 'fortran_order': False, 'shape': (2L,), }")]
    public void Header_literal_is_parsed_whatever_the_order_and_spacing(string header)
    {
        var array = NpyReader.Read(MakeNpy(header, [1, 0, 0xff, 0xff]));
        Assert.Equal(new[] { 2 }, array.Shape);
        Assert.Equal(new long[] { 1, -1 }, array.ToInt64());
    }

    [Theory]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", "unsupported numpy dtype '<c8'")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured dtypes")]
    [InlineData("{'descr': '<f4', 'shape': (2,), }", "no 'fortran_order'")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", "'fortran_order' is not True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "invalid dimension")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'descr': '<f4'}", "appears twice")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "ends early")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", "unexpected text")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }", "truncated array data")]
    public void Bad_headers_are_refused_with_a_reason(string header, string reason)
    {
        var e = Assert.Throws<WsssInputException>(() => NpyReader.Read(MakeNpy(header, new byte[8])));
        Assert.Contains(reason, e.Reason);
    }

    [Theory]
    [InlineData("bad/truncated_plain.npy", "truncated array data")]
    [InlineData("bad/bad_magic.npy", "not an NPY file")]
    [InlineData("bad/bad_header.npy", "bad NPY header")]
    [InlineData("bad/complex_dtype.npy", "unsupported numpy dtype '<c8'")]
    [InlineData("bad/empty_file.npy", "holds no byte: an empty file")]
    public void Broken_files_fail_naming_the_file(string file, string reason)
    {
        string path = IoFixtures.File(file);
        var e = Assert.Throws<WsssInputException>(() => NpyReader.Read(path));
        Assert.Equal(path, e.File);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void Missing_file_is_an_input_error()
    {
        var e = Assert.Throws<WsssInputException>(() => NpyReader.Read(IoFixtures.File("npy/does_not_exist.npy")));
        Assert.Contains("cannot read", e.Reason);
    }

    [Theory]
    [InlineData("npz/pair.npz")]
    [InlineData("npz/pair_compressed.npz")]
    public void Npz_archives_give_each_array_by_name(string file)
    {
        var arrays = NpzReader.Read(IoFixtures.File(file));
        Assert.Equal(new[] { "cams", "keys" }, arrays.Keys.Order());
        foreach (var name in new[] { "cams", "keys" })
        {
            var e = IoFixtures.Section("npz").GetProperty(name);
            Assert.Equal(IoFixtures.Ints(e.GetProperty("shape")), arrays[name].Shape);
            Assert.Equal(IoFixtures.Doubles(e.GetProperty("values")), arrays[name].ToFloat64());
        }
    }

    [Fact]
    public void Npz_that_is_not_a_zip_is_refused()
    {
        var e = Assert.Throws<WsssInputException>(() => NpzReader.Read(IoFixtures.File("npy/plain_le_f4.npy")));
        Assert.Contains("not a valid NPZ", e.Reason);
    }

    [Fact]
    public void Writer_output_reads_back_and_is_64_byte_aligned()
    {
        float[] values = [1.5f, -2f, float.Epsilon, 3e38f, 0f, 7f];
        using var ms = new MemoryStream();
        NpyWriter.WriteFloat32(ms, values, 2, 3);
        var bytes = ms.ToArray();
        Assert.Equal(0, (bytes.Length - values.Length * 4) % 64);
        var back = NpyReader.Read(bytes);
        Assert.Equal(new[] { 2, 3 }, back.Shape);
        Assert.Equal(values, back.ToFloat32());

        using var ms2 = new MemoryStream();
        NpyWriter.WriteUInt8(ms2, new byte[] { 0, 255, 7 }, 3);
        var u8 = NpyReader.Read(ms2.ToArray());
        Assert.Equal(NpyElementType.UInt8, u8.DType.Type);
        Assert.Equal(new long[] { 0, 255, 7 }, u8.ToInt64());
    }

    [Fact]
    public void Writer_rejects_a_shape_that_does_not_match_the_data()
    {
        Assert.Throws<ArgumentException>(() => NpyWriter.WriteFloat32(new MemoryStream(), new float[5], 2, 3));
    }

    internal static byte[] MakeNpy(string header, byte[] data)
    {
        var h = Encoding.Latin1.GetBytes(header + "\n");
        var file = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)h.Length, (byte)(h.Length >> 8) };
        file.AddRange(h);
        file.AddRange(data);
        return file.ToArray();
    }
}
