using System.Buffers.Binary;

namespace WsssGpuRefine.Io.Png;

/// <summary>
/// A baseline (sequential Huffman, 8-bit) JPEG decoder that reproduces libjpeg(-turbo)'s default
/// decode bit for bit: the integer "islow" IDCT with libjpeg's range limiting, "fancy" triangular chroma
/// upsampling for 4:2:0 and 4:2:2 with edge replication at the real component size, and libjpeg's
/// fixed-point YCbCr->RGB tables. PIL and cv2 decode VOC's JPEGs this way, so the CRF sees the same
/// pixels as the seed methods did. Anything else (progressive, arithmetic, 12-bit, CMYK, RGB-coded,
/// other sampling) returns null and the caller falls back to a general decoder.
/// </summary>
internal static class LibjpegCompatibleDecoder
{
    private static readonly byte[] ZigZag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
        28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
        54, 47, 55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    ];

    private sealed class Component
    {
        public int Id, H, V, QuantTable, DcTable, AcTable, BlocksX, BlocksY, Width, Height, Stride, Pred;
        public byte[] Samples = [];
    }

    private sealed class HuffmanTable
    {
        // Fast path: 9-bit lookahead -> (length << 8) | symbol; 0 means the code is longer.
        public readonly ushort[] Lookup = new ushort[512];
        public readonly int[] MaxCode = new int[18];
        public readonly int[] ValOffset = new int[17];
        public byte[] Symbols = [];

        public static HuffmanTable Build(ReadOnlySpan<byte> counts, byte[] symbols)
        {
            var t = new HuffmanTable { Symbols = symbols };
            int code = 0, k = 0;
            for (int len = 1; len <= 16; len++)
            {
                int n = counts[len - 1];
                t.ValOffset[len] = k - code;
                for (int i = 0; i < n; i++, k++, code++)
                {
                    if (len <= 9)
                    {
                        int shift = 9 - len;
                        for (int fill = 0; fill < 1 << shift; fill++)
                            t.Lookup[(code << shift) | fill] = (ushort)((len << 8) | symbols[k]);
                    }
                }
                t.MaxCode[len] = n > 0 ? code - 1 : -1;
                if (code > 1 << len) throw new InvalidDataException("bad Huffman table");
                code <<= 1;
            }
            t.MaxCode[17] = int.MaxValue;
            return t;
        }
    }

    /// <summary>Decodes to interleaved RGB, or returns null when the file is outside what this decoder reproduces.</summary>
    public static byte[]? TryDecode(ReadOnlySpan<byte> jpeg, out int width, out int height)
    {
        width = height = 0;
        try
        {
            return Decode(jpeg, out width, out height);
        }
        catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static byte[]? Decode(ReadOnlySpan<byte> data, out int width, out int height)
    {
        width = height = 0;
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) return null;
        var quant = new int[4][];
        var dc = new HuffmanTable?[4];
        var ac = new HuffmanTable?[4];
        Component[]? components = null;
        int restartInterval = 0, hMax = 1, vMax = 1;
        bool adobeRgb = false, sawFrame = false;
        int pos = 2;
        while (true)
        {
            // Find the next marker (fill bytes 0xFF may repeat).
            while (pos < data.Length && data[pos] != 0xFF) pos++;
            while (pos < data.Length && data[pos] == 0xFF) pos++;
            if (pos >= data.Length) throw new InvalidDataException("no EOI");
            byte marker = data[pos++];
            if (marker == 0xD9) break;                     // EOI
            if (marker is >= 0xD0 and <= 0xD7 or 0x01 or 0x00) continue; // RSTn, TEM, stuffed byte
            if (pos + 2 > data.Length) throw new InvalidDataException("truncated");
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2 || pos + length > data.Length) throw new InvalidDataException("truncated");
            var seg = data.Slice(pos + 2, length - 2);
            pos += length;
            switch (marker)
            {
                case 0xDB: // DQT
                    for (int o = 0; o < seg.Length;)
                    {
                        int pq = seg[o] >> 4, tq = seg[o] & 15;
                        if (tq > 3) throw new InvalidDataException("bad DQT");
                        var table = new int[64];
                        o++;
                        for (int i = 0; i < 64; i++)
                        {
                            table[ZigZag[i]] = pq == 0 ? seg[o + i] : BinaryPrimitives.ReadUInt16BigEndian(seg[(o + 2 * i)..]);
                        }
                        o += pq == 0 ? 64 : 128;
                        quant[tq] = table;
                    }
                    break;
                case 0xC4: // DHT
                    for (int o = 0; o < seg.Length;)
                    {
                        int tc = seg[o] >> 4, th = seg[o] & 15;
                        if (th > 3 || tc > 1) throw new InvalidDataException("bad DHT");
                        var counts = seg.Slice(o + 1, 16);
                        int total = 0;
                        foreach (byte c in counts) total += c;
                        var symbols = seg.Slice(o + 17, total).ToArray();
                        (tc == 0 ? dc : ac)[th] = HuffmanTable.Build(counts, symbols);
                        o += 17 + total;
                    }
                    break;
                case 0xDD: // DRI
                    restartInterval = BinaryPrimitives.ReadUInt16BigEndian(seg);
                    break;
                case 0xEE: // APP14 Adobe: transform 0 means the three channels are RGB, not YCbCr
                    if (seg.Length >= 12 && seg[..5].SequenceEqual("Adobe"u8) && seg[11] == 0) adobeRgb = true;
                    break;
                case 0xC0:
                case 0xC1: // baseline / extended sequential Huffman
                    {
                        if (sawFrame || seg[0] != 8) return null;
                        sawFrame = true;
                        height = BinaryPrimitives.ReadUInt16BigEndian(seg[1..]);
                        width = BinaryPrimitives.ReadUInt16BigEndian(seg[3..]);
                        int nf = seg[5];
                        if (width == 0 || height == 0 || nf is not (1 or 3)) return null;
                        components = new Component[nf];
                        for (int i = 0; i < nf; i++)
                        {
                            var c = new Component
                            {
                                Id = seg[6 + i * 3], H = seg[7 + i * 3] >> 4, V = seg[7 + i * 3] & 15, QuantTable = seg[8 + i * 3] & 3,
                            };
                            if (c.H is < 1 or > 4 || c.V is < 1 or > 4) throw new InvalidDataException("bad sampling");
                            components[i] = c;
                            hMax = Math.Max(hMax, c.H);
                            vMax = Math.Max(vMax, c.V);
                        }
                        if (!SupportedSampling(components, hMax, vMax)) return null;
                        if (nf == 3 && (adobeRgb || (components[0].Id == 'R' && components[1].Id == 'G' && components[2].Id == 'B'))) return null;
                        int mcusX = (width + 8 * hMax - 1) / (8 * hMax), mcusY = (height + 8 * vMax - 1) / (8 * vMax);
                        foreach (var c in components)
                        {
                            c.Width = (width * c.H + hMax - 1) / hMax;
                            c.Height = (height * c.V + vMax - 1) / vMax;
                            c.BlocksX = mcusX * c.H;
                            c.BlocksY = mcusY * c.V;
                            c.Stride = c.BlocksX * 8;
                            c.Samples = new byte[c.Stride * c.BlocksY * 8];
                        }
                        break;
                    }
                case >= 0xC2 and <= 0xCF when marker is not (0xC4 or 0xC8 or 0xCC):
                    return null; // progressive, lossless, hierarchical or arithmetic-coded
                case 0xDA: // SOS
                    {
                        if (components is null) throw new InvalidDataException("scan before frame");
                        int ns = seg[0];
                        var scan = new Component[ns];
                        for (int i = 0; i < ns; i++)
                        {
                            int id = seg[1 + i * 2];
                            var c = components.FirstOrDefault(x => x.Id == id) ?? throw new InvalidDataException("bad scan component");
                            c.DcTable = seg[2 + i * 2] >> 4;
                            c.AcTable = seg[2 + i * 2] & 15;
                            if (quant[c.QuantTable] is null || dc[c.DcTable] is null || ac[c.AcTable] is null)
                                throw new InvalidDataException("missing table");
                            scan[i] = c;
                        }
                        int ss = seg[1 + ns * 2], se = seg[2 + ns * 2], a = seg[3 + ns * 2];
                        if (ss != 0 || se != 63 || a != 0) return null;
                        pos = DecodeScan(data, pos, scan, hMax, vMax, width, height, restartInterval, quant, dc!, ac!);
                        break;
                    }
            }
        }
        if (components is null) return null;
        return ToRgb(components, width, height, hMax, vMax);
    }

    private static bool SupportedSampling(Component[] c, int hMax, int vMax)
    {
        if (c.Length == 1) return true;
        // Luma at full rate, both chroma at 1x1: 4:4:4, 4:2:2 (h2v1) or 4:2:0 (h2v2).
        if (c[1].H != 1 || c[1].V != 1 || c[2].H != 1 || c[2].V != 1) return false;
        return (c[0].H, c[0].V) is (1, 1) or (2, 1) or (2, 2) && hMax == c[0].H && vMax == c[0].V;
    }

    // ---------------------------------------------------------------- entropy decoding
    private ref struct BitReader
    {
        private readonly ReadOnlySpan<byte> _data;
        public int Pos;
        private ulong _bits;
        private int _count;
        public bool HitMarker;

        public BitReader(ReadOnlySpan<byte> data, int pos)
        {
            _data = data;
            Pos = pos;
        }

        private void Fill()
        {
            while (_count <= 56)
            {
                int b = 0;
                if (!HitMarker && Pos < _data.Length)
                {
                    b = _data[Pos];
                    if (b == 0xFF)
                    {
                        byte next = Pos + 1 < _data.Length ? _data[Pos + 1] : (byte)0xD9;
                        if (next == 0) Pos += 2;
                        else { HitMarker = true; b = 0; } // libjpeg pads with zeros at a marker
                    }
                    else Pos++;
                }
                _bits |= (ulong)(byte)b << (56 - _count);
                _count += 8;
            }
        }

        public int Peek(int n)
        {
            if (_count < n) Fill();
            return (int)(_bits >> (64 - n));
        }

        public void Skip(int n)
        {
            _bits <<= n;
            _count -= n;
        }

        public int Receive(int n)
        {
            if (n == 0) return 0;
            int v = Peek(n);
            Skip(n);
            return v;
        }

        public int Decode(HuffmanTable t)
        {
            int look = Peek(9);
            int entry = t.Lookup[look];
            if (entry != 0)
            {
                Skip(entry >> 8);
                return entry & 0xff;
            }
            int code = Peek(16);
            for (int len = 10; len <= 16; len++)
            {
                int c = code >> (16 - len);
                if (c <= t.MaxCode[len])
                {
                    Skip(len);
                    int index = c + t.ValOffset[len];
                    if ((uint)index >= (uint)t.Symbols.Length) throw new InvalidDataException("bad Huffman code");
                    return t.Symbols[index];
                }
            }
            throw new InvalidDataException("bad Huffman code");
        }

        /// <summary>Drops buffered bits and steps over the RSTn marker that must follow.</summary>
        public void Restart()
        {
            _bits = 0;
            _count = 0;
            HitMarker = false;
            while (Pos + 1 < _data.Length && !(_data[Pos] == 0xFF && _data[Pos + 1] is >= 0xD0 and <= 0xD7)) Pos++;
            Pos += 2;
        }
    }

    private static int Extend(int v, int t) => t == 0 ? 0 : v < 1 << (t - 1) ? v - (1 << t) + 1 : v;

    private static int DecodeScan(ReadOnlySpan<byte> data, int pos, Component[] scan, int hMax, int vMax, int width, int height,
        int restartInterval, int[][] quant, HuffmanTable[] dc, HuffmanTable[] ac)
    {
        var reader = new BitReader(data, pos);
        foreach (var c in scan) c.Pred = 0;
        var coef = new int[64];
        // A single-component scan is never interleaved: one "MCU" is one block of that component's own
        // grid (not padded to whole MCUs). An interleaved scan walks MCUs of H x V blocks per component.
        bool interleaved = scan.Length > 1;
        int mcusX = interleaved ? (width + 8 * hMax - 1) / (8 * hMax) : (scan[0].Width + 7) / 8;
        int mcusY = interleaved ? (height + 8 * vMax - 1) / (8 * vMax) : (scan[0].Height + 7) / 8;
        int mcuCount = 0;
        for (int my = 0; my < mcusY; my++)
            for (int mx = 0; mx < mcusX; mx++)
            {
                if (restartInterval > 0 && mcuCount > 0 && mcuCount % restartInterval == 0)
                {
                    reader.Restart();
                    foreach (var c in scan) c.Pred = 0;
                }
                foreach (var c in scan)
                {
                    int h = interleaved ? c.H : 1, v = interleaved ? c.V : 1;
                    for (int by = 0; by < v; by++)
                        for (int bx = 0; bx < h; bx++)
                            DecodeBlock(ref reader, c, quant[c.QuantTable], dc[c.DcTable], ac[c.AcTable], coef, mx * h + bx, my * v + by);
                }
                mcuCount++;
            }
        return reader.Pos;
    }

    private static void DecodeBlock(ref BitReader reader, Component c, int[] q, HuffmanTable dcTable, HuffmanTable acTable,
        Span<int> coef, int blockX, int blockY)
    {
        coef.Clear();
        int t = reader.Decode(dcTable);
        if (t > 16) throw new InvalidDataException("bad DC");
        c.Pred += Extend(reader.Receive(t), t);
        coef[0] = c.Pred;
        for (int k = 1; k < 64;)
        {
            int rs = reader.Decode(acTable);
            int r = rs >> 4, s = rs & 15;
            if (s == 0)
            {
                if (r != 15) break;
                k += 16;
                continue;
            }
            k += r;
            if (k > 63) throw new InvalidDataException("bad AC run");
            coef[ZigZag[k]] = Extend(reader.Receive(s), s);
            k++;
        }
        IdctIslow(coef, q, c.Samples.AsSpan(blockY * 8 * c.Stride + blockX * 8), c.Stride);
    }

    // ---------------------------------------------------------------- libjpeg's jpeg_idct_islow
    private const int ConstBits = 13, Pass1Bits = 2;
    private const long F0298631336 = 2446, F0390180644 = 3196, F0541196100 = 4433, F0765366865 = 6270, F0899976223 = 7373,
        F1175875602 = 9633, F1501321110 = 12299, F1847759065 = 15137, F1961570560 = 16069, F2053119869 = 16819,
        F2562915447 = 20995, F3072711026 = 25172;

    /// <summary>Post-IDCT range limit: index (x &amp; 1023) -> clamp(x + 128), wrapping as libjpeg's table does.</summary>
    private static readonly byte[] RangeLimit = BuildRangeLimit();

    private static byte[] BuildRangeLimit()
    {
        var t = new byte[1024];
        for (int i = 0; i < 1024; i++)
        {
            int x = i < 512 ? i : i - 1024;
            t[i] = (byte)Math.Clamp(x + 128, 0, 255);
        }
        return t;
    }

    private static long Descale(long x, int n) => (x + (1L << (n - 1))) >> n;

    private static void IdctIslow(ReadOnlySpan<int> coef, int[] q, Span<byte> output, int stride)
    {
        Span<int> ws = stackalloc int[64];
        for (int col = 0; col < 8; col++)
        {
            if (coef[8 + col] == 0 && coef[16 + col] == 0 && coef[24 + col] == 0 && coef[32 + col] == 0 &&
                coef[40 + col] == 0 && coef[48 + col] == 0 && coef[56 + col] == 0)
            {
                int dcval = coef[col] * q[col] << Pass1Bits;
                for (int r = 0; r < 8; r++) ws[r * 8 + col] = dcval;
                continue;
            }
            long z2 = (long)coef[16 + col] * q[16 + col], z3 = (long)coef[48 + col] * q[48 + col];
            long z1 = (z2 + z3) * F0541196100;
            long tmp2 = z1 + z3 * -F1847759065, tmp3 = z1 + z2 * F0765366865;
            z2 = (long)coef[col] * q[col];
            z3 = (long)coef[32 + col] * q[32 + col];
            long tmp0 = (z2 + z3) << ConstBits, tmp1 = (z2 - z3) << ConstBits;
            long tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
            tmp0 = (long)coef[56 + col] * q[56 + col];
            tmp1 = (long)coef[40 + col] * q[40 + col];
            tmp2 = (long)coef[24 + col] * q[24 + col];
            tmp3 = (long)coef[8 + col] * q[8 + col];
            Odd(ref tmp0, ref tmp1, ref tmp2, ref tmp3);
            const int n = ConstBits - Pass1Bits;
            ws[col] = (int)Descale(tmp10 + tmp3, n);
            ws[56 + col] = (int)Descale(tmp10 - tmp3, n);
            ws[8 + col] = (int)Descale(tmp11 + tmp2, n);
            ws[48 + col] = (int)Descale(tmp11 - tmp2, n);
            ws[16 + col] = (int)Descale(tmp12 + tmp1, n);
            ws[40 + col] = (int)Descale(tmp12 - tmp1, n);
            ws[24 + col] = (int)Descale(tmp13 + tmp0, n);
            ws[32 + col] = (int)Descale(tmp13 - tmp0, n);
        }
        for (int row = 0; row < 8; row++)
        {
            var w = ws.Slice(row * 8, 8);
            var o = output.Slice(row * stride, 8);
            const int n = ConstBits + Pass1Bits + 3;
            if (w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0)
            {
                o.Fill(RangeLimit[(int)Descale(w[0], Pass1Bits + 3) & 1023]);
                continue;
            }
            long z2 = w[2], z3 = w[6];
            long z1 = (z2 + z3) * F0541196100;
            long tmp2 = z1 + z3 * -F1847759065, tmp3 = z1 + z2 * F0765366865;
            long tmp0 = ((long)w[0] + w[4]) << ConstBits, tmp1 = ((long)w[0] - w[4]) << ConstBits;
            long tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
            tmp0 = w[7];
            tmp1 = w[5];
            tmp2 = w[3];
            tmp3 = w[1];
            Odd(ref tmp0, ref tmp1, ref tmp2, ref tmp3);
            o[0] = RangeLimit[(int)Descale(tmp10 + tmp3, n) & 1023];
            o[7] = RangeLimit[(int)Descale(tmp10 - tmp3, n) & 1023];
            o[1] = RangeLimit[(int)Descale(tmp11 + tmp2, n) & 1023];
            o[6] = RangeLimit[(int)Descale(tmp11 - tmp2, n) & 1023];
            o[2] = RangeLimit[(int)Descale(tmp12 + tmp1, n) & 1023];
            o[5] = RangeLimit[(int)Descale(tmp12 - tmp1, n) & 1023];
            o[3] = RangeLimit[(int)Descale(tmp13 + tmp0, n) & 1023];
            o[4] = RangeLimit[(int)Descale(tmp13 - tmp0, n) & 1023];
        }
    }

    /// <summary>The odd part of the 8-point IDCT (inputs: rows/columns 7, 5, 3, 1).</summary>
    private static void Odd(ref long tmp0, ref long tmp1, ref long tmp2, ref long tmp3)
    {
        long z1 = tmp0 + tmp3, z2 = tmp1 + tmp2, z3 = tmp0 + tmp2, z4 = tmp1 + tmp3;
        long z5 = (z3 + z4) * F1175875602;
        tmp0 *= F0298631336;
        tmp1 *= F2053119869;
        tmp2 *= F3072711026;
        tmp3 *= F1501321110;
        z1 *= -F0899976223;
        z2 *= -F2562915447;
        z3 *= -F1961570560;
        z4 *= -F0390180644;
        z3 += z5;
        z4 += z5;
        tmp0 += z1 + z3;
        tmp1 += z2 + z4;
        tmp2 += z2 + z3;
        tmp3 += z1 + z4;
    }

    // ---------------------------------------------------------------- upsampling and colour conversion
    private static readonly int[] CrR = new int[256], CbB = new int[256], CrG = new int[256], CbG = new int[256];

    static LibjpegCompatibleDecoder()
    {
        const int scaleBits = 16;
        const long oneHalf = 1L << (scaleBits - 1);
        static long Fix(double x) => (long)(x * (1L << scaleBits) + 0.5);
        for (int i = 0; i < 256; i++)
        {
            long x = i - 128;
            CrR[i] = (int)((Fix(1.40200) * x + oneHalf) >> scaleBits);
            CbB[i] = (int)((Fix(1.77200) * x + oneHalf) >> scaleBits);
            CrG[i] = (int)(-Fix(0.71414) * x);
            CbG[i] = (int)(-Fix(0.34414) * x + oneHalf);
        }
    }

    private static byte[] ToRgb(Component[] c, int width, int height, int hMax, int vMax)
    {
        var rgb = new byte[width * height * 3];
        if (c.Length == 1)
        {
            for (int y = 0; y < height; y++)
            {
                var src = c[0].Samples.AsSpan(y * c[0].Stride, width);
                var dst = rgb.AsSpan(y * width * 3, width * 3);
                for (int x = 0; x < width; x++) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
            }
            return rgb;
        }
        var cb = Upsample(c[1], width, height, hMax, vMax);
        var cr = Upsample(c[2], width, height, hMax, vMax);
        var luma = c[0];
        ReadOnlySpan<byte> clamp = Clamp;
        for (int y = 0; y < height; y++)
        {
            var ys = luma.Samples.AsSpan(y * luma.Stride, width);
            var bs = cb.AsSpan(y * width, width);
            var rs = cr.AsSpan(y * width, width);
            var dst = rgb.AsSpan(y * width * 3, width * 3);
            for (int x = 0; x < width; x++)
            {
                int yy = ys[x] + ClampOffset, b = bs[x], r = rs[x];
                dst[3 * x] = clamp[yy + CrR[r]];
                dst[3 * x + 1] = clamp[yy + ((CbG[b] + CrG[r]) >> 16)];
                dst[3 * x + 2] = clamp[yy + CbB[b]];
            }
        }
        return rgb;
    }

    private const int ClampOffset = 512;

    /// <summary>libjpeg's sample_range_limit: index v + 512 -> clamp(v, 0, 255).</summary>
    private static readonly byte[] Clamp = Enumerable.Range(-ClampOffset, 1536).Select(v => (byte)Math.Clamp(v, 0, 255)).ToArray();

    /// <summary>libjpeg's h2v1/h2v2 fancy upsampling; neighbours beyond the real component size repeat its edge.</summary>
    private static byte[] Upsample(Component c, int width, int height, int hMax, int vMax)
    {
        var output = new byte[width * height];
        int cw = c.Width, ch = c.Height;
        if (hMax == 1 && vMax == 1)
        {
            for (int y = 0; y < height; y++) c.Samples.AsSpan(y * c.Stride, width).CopyTo(output.AsSpan(y * width, width));
            return output;
        }
        var line = new byte[cw * 2];
        var sums = new int[cw];
        for (int y = 0; y < height; y++)
        {
            int inRow = vMax == 1 ? y : y >> 1;
            var near = c.Samples.AsSpan(inRow * c.Stride, cw);
            if (vMax == 1)
            {
                // h2v1: (3 * this + neighbour + 1 or 2) >> 2; the edge columns copy the sample.
                for (int i = 0; i < cw; i++)
                {
                    int v = near[i] * 3;
                    line[2 * i] = i == 0 ? near[0] : (byte)((v + near[i - 1] + 1) >> 2);
                    line[2 * i + 1] = i == cw - 1 ? near[i] : (byte)((v + near[i + 1] + 2) >> 2);
                }
            }
            else
            {
                // h2v2: column sums 3 * nearer row + farther row, then (3 * this + neighbour + 8 or 7) >> 4.
                int farRow = Math.Clamp((y & 1) == 0 ? inRow - 1 : inRow + 1, 0, ch - 1);
                var far = c.Samples.AsSpan(farRow * c.Stride, cw);
                for (int i = 0; i < cw; i++) sums[i] = near[i] * 3 + far[i];
                for (int i = 0; i < cw; i++)
                {
                    int v = sums[i] * 3;
                    line[2 * i] = (byte)(i == 0 ? (sums[0] * 4 + 8) >> 4 : (v + sums[i - 1] + 8) >> 4);
                    line[2 * i + 1] = (byte)(i == cw - 1 ? (sums[i] * 4 + 7) >> 4 : (v + sums[i + 1] + 7) >> 4);
                }
            }
            line.AsSpan(0, width).CopyTo(output.AsSpan(y * width, width));
        }
        return output;
    }
}
