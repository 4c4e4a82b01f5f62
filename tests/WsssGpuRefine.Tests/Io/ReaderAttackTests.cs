using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Images;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Pickle;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Tests.Io;

/// <summary>
/// The reader attacks of the hostile-input review, each built here from the attack itself (or, for torch views,
/// written by real torch: Fixtures/io/hostile/make_hostile.py): every one ends in one clean input error naming
/// the file, quickly, without allocating what the file declares.
/// </summary>
public sealed class ReaderAttackTests : IDisposable
{
    private const long AllocationBound = 64L << 20;
    private readonly string _dir = Directory.CreateTempSubdirectory("wsss_hostile_").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Runs a read that must fail, and checks it named the file, fit one line, and allocated little.</summary>
    private static WsssInputException FailsCleanly(string path, Action read)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<WsssInputException>(read);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBound);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 10);
        Assert.Equal(path, e.File);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    /// <summary>An NPY v1 file with an object dtype whose body is <paramref name="pickle"/>.</summary>
    internal static byte[] ObjectNpy(byte[] pickle) => Npy("{'descr': '|O', 'fortran_order': False, 'shape': (), }", pickle, version: 1);

    internal static byte[] Npy(string dict, byte[] body, int version)
    {
        int prefix = version == 1 ? 10 : 12;
        int padded = (prefix + dict.Length + 1 + 63) / 64 * 64;
        string header = dict + new string(' ', padded - prefix - dict.Length - 1) + "\n";
        using var s = new MemoryStream();
        s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0]);
        Span<byte> length = stackalloc byte[4];
        if (version == 1) BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        s.Write(length[..(prefix - 8)]);
        s.Write(Encoding.Latin1.GetBytes(header));
        s.Write(body);
        return s.ToArray();
    }

    // ------------------------------------------------------------------ 1. nesting depth

    [Fact]
    public void Dict_key_of_tuples_nested_20000_deep_is_refused_before_hashing()
    {
        // {((((...),),),): 1}: EMPTY_DICT, EMPTY_TUPLE, 20,000 x TUPLE1, BININT1 1, SETITEM, STOP (20 KB).
        var pickle = new List<byte> { 0x80, 2, (byte)'}', (byte)')' };
        pickle.AddRange(Enumerable.Repeat((byte)0x85, 20_000));
        pickle.AddRange([(byte)'K', 1, (byte)'s', (byte)'.']);
        string path = Write("nested_key.npy", ObjectNpy(pickle.ToArray()));

        var e = FailsCleanly(path, () => CamDumpReader.Read(path));
        Assert.Equal($"malformed pickle: a dict key nests tuples deeper than {SafeUnpickler.MaxNesting} levels", e.Reason);
    }

    [Fact]
    public void Dict_key_tuple_shared_by_memo_into_a_huge_tree_is_refused()
    {
        // t0 = (); t(k+1) = (tk, tk) through the memo: 60 levels hold 2^60 paths, which hashing would walk.
        var pickle = new List<byte> { 0x80, 2, (byte)'}', (byte)')', (byte)'q', 0 };
        for (int k = 0; k < 60; k++) pickle.AddRange([(byte)'0', (byte)'h', (byte)k, (byte)'h', (byte)k, 0x86, (byte)'q', (byte)(k + 1)]);
        pickle.AddRange([(byte)'K', 1, (byte)'s', (byte)'.']);
        string path = Write("wide_key.npy", ObjectNpy(pickle.ToArray()));

        var e = FailsCleanly(path, () => CamDumpReader.Read(path));
        Assert.Equal("malformed pickle: a dict key tuple holds more than 10000 items", e.Reason);
    }

    [Fact]
    public void Lists_nested_20000_deep_are_refused()
    {
        // 20,000 EMPTY_LISTs, then 19,999 APPENDs fold each into the one below it.
        var pickle = new List<byte> { 0x80, 2 };
        pickle.AddRange(Enumerable.Repeat((byte)']', 20_000));
        pickle.AddRange(Enumerable.Repeat((byte)'a', 19_999));
        pickle.Add((byte)'.');
        var e = Assert.Throws<WsssInputException>(() => SafeUnpickler.Load(pickle.ToArray()));
        Assert.Equal($"malformed pickle: containers nest deeper than {SafeUnpickler.MaxNesting} levels", e.Reason);
    }

    [Fact]
    public void Npy_header_whose_shape_nests_50000_parentheses_is_refused()
    {
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + new string('(', 50_000) + new string(')', 50_000) + ", }";
        string path = Write("nested_shape.npy", Npy(dict, [], version: 2));

        var e = FailsCleanly(path, () => NpyReader.Read(path));
        Assert.Equal("bad NPY header: 'shape' holds a nested tuple", e.Reason);
    }

    // ------------------------------------------------------------------ 2. stride-0 torch views

    [Fact]
    public void Stride0_view_of_268M_elements_in_a_1KB_dump_is_refused_before_it_is_gathered()
    {
        string path = IoFixtures.File("hostile/expand_cam.npy");
        Assert.InRange(new FileInfo(path).Length, 0, 2048);

        var e = FailsCleanly(path, () => CamDumpReader.Read(path));
        Assert.Contains($"more than {NpyReadLimits.DefaultMaxElements} elements in all", e.Reason);
    }

    [Fact]
    public void Twenty_stride0_views_under_unused_keys_are_never_gathered()
    {
        // 20 x 268M elements a reader never asks for: the dump reads, at the cost of its small real entries.
        string path = IoFixtures.File("hostile/expand_unused_x20.npy");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var dump = CamDumpReader.Read(path);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBound);

        Assert.Equal(CamDumpFormat.IrnDict, dump.Format);
        Assert.Equal(new[] { 3, 8 }, dump.HighRes.LabelIds);
        Assert.Equal((9, 13), (dump.HighRes.Height, dump.HighRes.Width));
        Assert.All(dump.HighRes.Data, v => Assert.Equal(0.25f, v));
        Assert.All(dump.LowRes!.Data, v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void The_element_budget_is_per_file_not_per_tensor()
    {
        // Twenty 1M-element views: each fits a 5M budget, together they do not.
        string path = IoFixtures.File("hostile/expand_psa_x20.npy");
        var limits = new NpyReadLimits { MaxElements = 5_000_000 };
        var dict = (PyDict)NpyReader.Read(path, limits).Objects![0]!;
        var views = dict.Values.Cast<NpyArray>().ToArray();
        Assert.Equal(20, views.Length);
        for (int i = 0; i < 4; i++) Assert.All(views[i].ToFloat32(), v => Assert.Equal(0f, v));
        var e = Assert.Throws<WsssInputException>(() => views[4].ToFloat32());
        Assert.Contains("more than 5000000 elements in all", e.Reason);
    }

    [Fact]
    public void Int_keyed_dump_of_stride0_views_is_refused_before_its_maps_are_stacked()
    {
        string path = IoFixtures.File("hostile/expand_psa_x20.npy");
        var options = new CamReadOptions
        {
            PresentForegroundClasses = Enumerable.Range(0, 20).ToHashSet(),
            Limits = new NpyReadLimits { MaxElements = 5_000_000 },
        };
        var e = FailsCleanly(path, () => CamDumpReader.Read(path, options));
        Assert.Contains("more than 5000000 elements in all", e.Reason);

        // Within a budget that holds them, the same dump reads as twenty all-zero maps.
        var dump = CamDumpReader.Read(path, options with { Limits = new NpyReadLimits { MaxElements = 50_000_000 } });
        Assert.Equal(Enumerable.Range(1, 20), dump.HighRes.LabelIds);
        Assert.Equal((1024, 1024), (dump.HighRes.Height, dump.HighRes.Width));
        Assert.True(dump.HighRes.Data.All(v => v == 0f));
    }

    [Fact]
    public void Plain_npy_declaring_more_data_than_the_file_holds_allocates_nothing()
    {
        // 2^28 float32 declared (1 GB), no data.
        string path = Write("liar.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (8192, 32768), }", [], version: 1));
        var e = FailsCleanly(path, () => NpyReader.Read(path, new NpyReadLimits { MaxElements = long.MaxValue }));
        Assert.StartsWith("truncated array data", e.Reason);
        FailsCleanly(path, () => NpyReader.ReadFloat32(path));
    }

    // ------------------------------------------------------------------ 3. declared image sizes

    /// <summary>A real JPEG whose SOF0 header is rewritten to declare <paramref name="width"/> x <paramref name="height"/>.</summary>
    internal static byte[] JpegDeclaring(int width, int height)
    {
        var jpeg = File.ReadAllBytes(IoFixtures.File("png/jpeg_420_q75.jpg"));
        for (int i = 2; i + 9 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), (ushort)width);
                return jpeg;
            }
        throw new InvalidOperationException("no SOF0 marker");
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    /// <summary>A valid PNG header declaring <paramref name="width"/> x <paramref name="height"/> of the colour type, with a little zlib data.</summary>
    internal static byte[] PngDeclaring(int width, int height, byte colorType)
    {
        using var s = new MemoryStream();
        s.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a]);
        void Chunk(string type, byte[] data)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, (uint)data.Length);
            s.Write(b);
            var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            s.Write(typed);
            BinaryPrimitives.WriteUInt32BigEndian(b, Crc32(typed));
            s.Write(b);
        }
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8;
        ihdr[9] = colorType;
        Chunk("IHDR", ihdr);
        if (colorType == 3) Chunk("PLTE", new byte[3 * 4]);
        using var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zs.Write(new byte[1 << 16]);
        Chunk("IDAT", z.ToArray());
        Chunk("IEND", []);
        return s.ToArray();
    }

    [Fact]
    public void Jpeg_declaring_30000x30000_is_refused_before_decoding()
    {
        string path = Write("huge.jpg", JpegDeclaring(30000, 30000));
        var e = FailsCleanly(path, () => RgbImageReader.Read(path));
        Assert.Equal($"the image declares 30000x30000 pixels, more than the limit of {ImageLimits.MaxPixels} (PIL's decompression-bomb limit)", e.Reason);
        FailsCleanly(path, () => RgbImageReader.ReadSize(path));
    }

    [Theory]
    [InlineData((byte)3)]
    [InlineData((byte)0)]
    public void Label_png_declaring_30000x30000_is_refused_before_inflating(byte colorType)
    {
        string path = Write("huge_gt.png", PngDeclaring(30000, 30000, colorType));
        var e = FailsCleanly(path, () => LabelPngReader.Read(path));
        Assert.StartsWith("the image declares 30000x30000 pixels, more than the limit", e.Reason);
    }

    [Fact]
    public void Rgb_png_declaring_30000x30000_is_refused_before_inflating()
    {
        string path = Write("huge_image.png", PngDeclaring(30000, 30000, 2));
        var e = FailsCleanly(path, () => RgbImageReader.Read(path));
        Assert.StartsWith("the image declares 30000x30000 pixels, more than the limit", e.Reason);
    }

    [Fact]
    public void Image_of_another_size_than_the_cam_is_refused_before_decoding()
    {
        // A 53x37 JPEG whose CAM is 53x38: refused on its header, not after a decode.
        string path = IoFixtures.File("png/jpeg_420_q75.jpg");
        Assert.Equal((37, 53), RgbImageReader.ReadSize(path));
        var e = FailsCleanly(path, () => RgbImageReader.Read(path, 38, 53));
        Assert.Equal("the image is 53x37, expected 53x38 (the CAM's size)", e.Reason);
        Assert.Equal((37, 53), (RgbImageReader.Read(path, 37, 53).Height, RgbImageReader.Read(path, 37, 53).Width));
    }

    // ------------------------------------------------------------------ 6. NPZ bombs

    [Fact]
    public void Npz_member_inflating_past_the_cap_is_refused_while_inflating()
    {
        // 64 MB of zeros compress to ~64 KB; a 16 MB cap stops the read at 16 MB.
        string path = Path.Combine(_dir, "bomb.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var entry = zip.CreateEntry("cam.npy", CompressionLevel.Optimal).Open();
            entry.Write(Npy("{'descr': '|u1', 'fortran_order': False, 'shape': (67108864,), }", [], version: 1));
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) entry.Write(zeros);
        }
        Assert.InRange(new FileInfo(path).Length, 0, 1 << 20);
        var limits = new NpyReadLimits { MaxUncompressedBytes = 16 << 20, MaxElements = long.MaxValue };
        var e = FailsCleanly(path, () => NpzReader.Read(path, limits));
        Assert.Equal($"the archive inflates to more than {16 << 20} bytes (the reader's NPZ size limit)", e.Reason);
        Assert.Equal(1L << 30, NpyReadLimits.Default.MaxUncompressedBytes);
    }

    // ------------------------------------------------------------------ 7. truncated JPEGs

    public static IEnumerable<object[]> Jpegs =>
        new[] { "jpeg_420_q75", "jpeg_422_q75", "jpeg_gray_q80", "jpeg_progressive_q75", "jpeg_420_restart3" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Jpegs))]
    public void Jpeg_cut_anywhere_in_its_data_is_an_error_not_grey_pixels(string name)
    {
        var jpeg = File.ReadAllBytes(IoFixtures.File($"png/{name}.jpg"));
        int dataStart = StartOfScan(jpeg);
        // Every cut from the first scan's data up to (not including) the final EOI marker.
        for (int cut = dataStart + 1; cut < jpeg.Length - 2; cut += Math.Max(1, (jpeg.Length - dataStart) / 60))
        {
            string path = Write($"cut_{cut}.jpg", jpeg[..cut]);
            var e = FailsCleanly(path, () => RgbImageReader.Read(path));
            // Skia reports a cut inside a progressive scan as an error in the input, elsewhere as incomplete input.
            Assert.Contains(e.Reason, new[] { "the image file is truncated (the decoder ran out of data)", "cannot decode image: the data is corrupt" });
        }
    }

    private static int StartOfScan(byte[] jpeg)
    {
        for (int i = 2; i + 3 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA)
                return i + 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(i + 2));
        throw new InvalidOperationException("no SOS marker");
    }

    // ------------------------------------------------------------------ 12. one readable line per problem

    [Theory]
    [InlineData("hostile/keys_descending.npy", "'keys' entry 2 follows 7; they must be strictly ascending")]
    [InlineData("hostile/high_res_none.npy", "'high_res' is None, not an array")]
    // A stride whose view size overflows 64 bits once wrapped back inside the storage and then failed as an OverflowException.
    [InlineData("hostile/stride_overflow.npy", "malformed pickle: bad tensor stride: the view reaches past 2^63 elements")]
    public void Dump_errors_read_as_one_plain_sentence(string file, string reason)
    {
        string path = IoFixtures.File(file);
        var e = FailsCleanly(path, () => CamDumpReader.Read(path));
        Assert.Equal(reason, e.Reason);
    }

    [Fact]
    public void Image_decoder_errors_are_one_line()
    {
        string path = IoFixtures.File("npy/plain_le_f4.npy");
        var e = FailsCleanly(path, () => RgbImageReader.Read(path));
        Assert.Equal("cannot decode image: not a JPEG or PNG image (or an unsupported variant)", e.Reason);
    }
}
