using System.Numerics;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Pickle;

namespace WsssGpuRefine.Io.CamDumps;

/// <summary>What the reader may know besides the dump itself.</summary>
public sealed record CamReadOptions
{
    /// <summary>A named <c>--format</c>; null auto-detects the layout (see <see cref="CamDumpFormat"/>).</summary>
    public CamFormatPreset? Preset { get; init; }
    /// <summary>
    /// The image-level label as 0-based foreground classes. Needed to tell D from E, and to name the
    /// channels of plain arrays (ICD, SSDD out_aff_crf), which store no keys.
    /// </summary>
    public IReadOnlySet<int>? PresentForegroundClasses { get; init; }
    /// <summary>
    /// True when <see cref="PresentForegroundClasses"/> is the image-level label itself (cls_labels.npy, XML
    /// annotations); false when it is only the classes seen in the ground truth, which may miss a labelled class
    /// that is occluded or lies entirely under the 255 border.
    /// </summary>
    public bool PresentClassesExact { get; init; } = true;
    /// <summary>The image size, needed to crop ICD's canvas; 0 when unknown.</summary>
    public int ImageHeight { get; init; }
    /// <summary>The image width in pixels, needed with <see cref="ImageHeight"/> to crop ICD's canvas; 0 when unknown.</summary>
    public int ImageWidth { get; init; }
    /// <summary>
    /// What one dump may make the reader allocate: the elements of every array it materialises, in all. Torch
    /// tensors are gathered only when an entry the layout needs is read, so unused entries cost nothing.
    /// </summary>
    public NpyReadLimits Limits { get; init; } = NpyReadLimits.Default;
}

/// <summary>Turns any seed method's <c>.npy</c> CAM dump into <see cref="ClassMaps"/> with VOC label ids.</summary>
public static class CamDumpReader
{
    private const int ForegroundClasses = 20;

    /// <summary>Reads a dump file; every failure is a <see cref="WsssInputException"/> naming the file.</summary>
    public static CamDump Read(string path, CamReadOptions? options = null)
    {
        options ??= new CamReadOptions();
        var array = NpyReader.Read(path, options.Limits);
        try
        {
            return Interpret(array, options);
        }
        catch (WsssInputException e)
        {
            throw e.WithFile(path);
        }
    }

    /// <summary>
    /// True when the file is a dict of random-walk scores (Puzzle-CAM's <c>{"keys", "rw"}</c>, which its evaluate.py
    /// sweeps in <c>--mode rw</c>); false for any other dump, and for a file that is missing or unreadable (the
    /// evaluation itself then reports it).
    /// </summary>
    public static bool HoldsRandomWalkScores(string path, NpyReadLimits? limits = null)
    {
        try
        {
            var array = NpyReader.Read(path, limits ?? new CamReadOptions().Limits);
            return array.DType.Type == NpyElementType.Object && array.Objects is [PyDict dict] && dict.ContainsKey("rw");
        }
        catch (Exception e) when (e is WsssInputException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Interprets an array already read by <see cref="NpyReader"/> (errors carry no file name).</summary>
    public static CamDump Interpret(NpyArray array, CamReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(options);
        var preset = options.Preset;
        CamDump dump;
        if (array.DType.Type == NpyElementType.Object)
        {
            if (array.Rank != 0 || array.Objects is not [PyDict dict])
                throw new WsssInputException(null, "the dump's object array does not hold a single dict");
            dump = FromDict(dict, options);
        }
        else
        {
            dump = FromPlain(array, options);
        }
        // A and C differ only in torch versus numpy containers, which no consumer depends on.
        bool irnLike = dump.Format is CamDumpFormat.IrnDict or CamDumpFormat.VweDict
                       && preset?.Formats.Any(f => f is CamDumpFormat.IrnDict or CamDumpFormat.VweDict) == true;
        if (preset is not null && !irnLike && !preset.Formats.Contains(dump.Format))
            throw new WsssInputException(null,
                $"the dump is {dump.FormatName}, which format '{preset.Name}' does not write");
        if (preset?.Quirk == CamValueQuirk.BinaryMask255)
            ApplyBinaryMask255(dump);
        return dump;
    }

    // ---------------------------------------------------------------- dict variants A to E
    private static CamDump FromDict(PyDict dict, CamReadOptions options)
    {
        if (dict.Count == 0) throw new WsssInputException(null, "the dump's dict is empty");
        bool stringKeys = dict.Keys.All(k => k is string);
        bool intKeys = dict.Keys.All(IsInteger);
        if (stringKeys)
        {
            if (!dict.ContainsKey("keys")) throw new WsssInputException(null, "the dump's dict has no 'keys' entry");
            if (dict.ContainsKey("hr_cam") || dict.ContainsKey("rw")) return PuzzleCam(dict);
            if (dict.ContainsKey("high_res") || dict.ContainsKey("cam")) return IrnLike(dict);
            throw new WsssInputException(null,
                $"the dump's dict has keys {string.Join(", ", dict.Keys.Select(k => $"'{k}'"))}; expected 'cam'/'high_res', 'hr_cam' or 'rw'");
        }
        if (intKeys) return IntKeyed(dict, options);
        throw new WsssInputException(null, "the dump's dict mixes string and integer keys");
    }

    private static bool IsInteger(object k) => k is long or BigInteger || k is NpyScalar { IsInteger: true };

    private static long AsLong(object k) => k switch
    {
        long l => l,
        NpyScalar s => s.ToInt64(),
        _ => throw new WsssInputException(null, $"dict key {k} is out of range"),
    };

    private static NpyArray Entry(PyDict dict, string key)
    {
        if (!dict.TryGetValue(key, out var v)) throw new WsssInputException(null, $"the dump's dict has no '{key}' entry");
        return v as NpyArray ?? throw new WsssInputException(null, $"'{key}' is {SafeUnpickler.DescribeWithArticle(v)}, not an array");
    }

    private static CamDump IrnLike(PyDict dict)
    {
        var keys = Entry(dict, "keys");
        bool torch = keys.IsTorchTensor || (dict.TryGetValue("cam", out var c) && c is NpyArray { IsTorchTensor: true });
        var fg = ForegroundKeys(keys.ToInt64(), "'keys' entry");
        var ids = fg.Select(k => (int)k + 1).ToArray();
        var high = Maps(Entry(dict, "high_res"), ids, "high_res");
        ClassMaps? low = dict.ContainsKey("cam") ? Maps(Entry(dict, "cam"), ids, "cam") : null;
        return new CamDump(high, low, torch ? CamDumpFormat.IrnDict : CamDumpFormat.VweDict);
    }

    private static CamDump PuzzleCam(PyDict dict)
    {
        var keys = Entry(dict, "keys").ToInt64();
        if (keys.Length == 0 || keys[0] != 0)
            throw new WsssInputException(null, "Puzzle-CAM 'keys' must start with the background id 0");
        for (int i = 1; i < keys.Length; i++)
            if (keys[i] < 1 || keys[i] > ForegroundClasses || keys[i] <= keys[i - 1])
                throw new WsssInputException(null, $"Puzzle-CAM 'keys' holds {keys[i]} out of order or outside 1..{ForegroundClasses}");
        var withBg = keys.Select(k => (int)k).ToArray();
        var fgOnly = withBg[1..];
        int[] IdsFor(NpyArray a, string name) =>
            a.Rank == 3 && a.Shape[0] == withBg.Length ? withBg
            : a.Rank == 3 && a.Shape[0] == fgOnly.Length ? fgOnly
            : throw new WsssInputException(null, $"'{name}' has {(a.Rank == 3 ? a.Shape[0] : 0)} channels but 'keys' lists {withBg.Length} ids");
        string highName = dict.ContainsKey("rw") ? "rw" : "hr_cam";
        var highArray = Entry(dict, highName);
        var high = Maps(highArray, IdsFor(highArray, highName), highName);
        ClassMaps? low = null;
        if (dict.ContainsKey("cam"))
        {
            var camArray = Entry(dict, "cam");
            low = Maps(camArray, IdsFor(camArray, "cam"), "cam");
        }
        return new CamDump(high, low, CamDumpFormat.PuzzleCamDict);
    }

    private static CamDump IntKeyed(PyDict dict, CamReadOptions options)
    {
        var keys = dict.Keys.Select(AsLong).Order().ToArray();
        var keySet = keys.ToHashSet();
        var allowed = options.Preset?.Formats;
        bool mayBeD = allowed is null || allowed.Contains(CamDumpFormat.PsaDict);
        bool mayBeE = allowed is null || allowed.Contains(CamDumpFormat.BgFgDict);
        var format = IntKeyedLayout(keys, keySet, mayBeD, mayBeE, options);
        int[] ids;
        if (format == CamDumpFormat.PsaDict)
        {
            ForegroundKeys(keys, "dict key");
            ids = keys.Select(k => (int)k + 1).ToArray();
        }
        else
        {
            if (!keySet.Contains(0)) throw new WsssInputException(null, "a bg+fg dict has no background key 0");
            foreach (long k in keys)
                if (k < 0 || k > ForegroundClasses) throw new WsssInputException(null, $"bg+fg dict key {k} is outside 0..{ForegroundClasses}");
            ids = keys.Select(k => (int)k).ToArray();
        }

        int h = -1, w = -1;
        float[]? data = null;
        for (int i = 0; i < keys.Length; i++)
        {
            var value = dict[keys[i]];
            if (value is not NpyArray map) throw new WsssInputException(null, $"the value of key {keys[i]} is {SafeUnpickler.DescribeWithArticle(value)}, not an array");
            if (map.Rank != 2) throw new WsssInputException(null, $"the map of key {keys[i]} has rank {map.Rank}, expected (H, W)");
            if (data is null)
            {
                (h, w) = (map.Shape[0], map.Shape[1]);
                // The maps' shapes are known before their (possibly stride-0 torch) values are gathered.
                options.Limits.RequireWithin((long)keys.Length * h * w);
                data = new float[(long)keys.Length * h * w];
            }
            else if (map.Shape[0] != h || map.Shape[1] != w)
                throw new WsssInputException(null, $"the map of key {keys[i]} is {map.Shape[0]}x{map.Shape[1]}, others are {h}x{w}");
            map.CopyFloat32To(data.AsSpan(i * h * w, h * w));
        }
        RequireFinite(data!);
        return new CamDump(new ClassMaps(ids, h, w, data!), null, format);
    }

    /// <summary>
    /// D (PSA, 0-based fg keys) or E (bg+fg, key 0 = background). A named format decides; then the keys alone where
    /// they can: without key 0 the dict can only be D, with key 20 (not a 0-based fg class) only E. Otherwise the
    /// image-level label decides: exactly when it comes from the labels; from the ground truth it may lack an
    /// occluded class, so each layout need only cover it. Only when both layouts fit is it an error.
    /// </summary>
    private static CamDumpFormat IntKeyedLayout(long[] keys, HashSet<long> keySet, bool mayBeD, bool mayBeE, CamReadOptions options)
    {
        if (mayBeD && !mayBeE) return CamDumpFormat.PsaDict;
        if (mayBeE && !mayBeD) return CamDumpFormat.BgFgDict;
        if (!keySet.Contains(0)) return CamDumpFormat.PsaDict;
        if (keySet.Contains(ForegroundClasses)) return CamDumpFormat.BgFgDict;
        string keyText = $"{{{string.Join(", ", keys)}}}";
        if (options.PresentForegroundClasses is not { } present)
            throw new WsssInputException(null,
                $"the integer-keyed dict {keyText} may be a PSA dict (fg classes) or a bg+fg dict; without image-level labels " +
                "it cannot be told which: pass --cls-labels (cls_labels.npy or a VOC Annotations/ folder) or name the layout with --format");
        var asD = present.Select(c => (long)c).ToHashSet();
        var asE = present.Select(c => c + 1L).Append(0).ToHashSet();
        bool isD, isE;
        if (options.PresentClassesExact)
        {
            isD = keySet.SetEquals(asD);
            isE = keySet.SetEquals(asE);
        }
        else
        {
            isD = asD.IsSubsetOf(keySet);
            isE = asE.IsSubsetOf(keySet);
        }
        string presentText = $"{{{string.Join(", ", present.Order())}}}";
        if (isD && !isE) return CamDumpFormat.PsaDict;
        if (isE && !isD) return CamDumpFormat.BgFgDict;
        if (isD && isE)
            throw new WsssInputException(null,
                $"the dict's keys {keyText} fit both a PSA dict and a bg+fg dict for the classes seen in the ground truth {presentText}: " +
                "pass --cls-labels (cls_labels.npy or a VOC Annotations/ folder) or name the layout with --format");
        throw new WsssInputException(null,
            $"the dict's keys {keyText} match neither the present classes {presentText} " +
            "(PSA dict, 0-based) nor {0} + classes+1 (bg+fg dict)");
    }

    private static long[] ForegroundKeys(long[] keys, string what)
    {
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] < 0 || keys[i] >= ForegroundClasses)
                throw new WsssInputException(null, $"{what} {keys[i]} is not a foreground class index 0..{ForegroundClasses - 1}");
            if (i > 0 && keys[i] <= keys[i - 1])
                throw new WsssInputException(null, $"{what} {keys[i]} follows {keys[i - 1]}; they must be strictly ascending");
        }
        return keys;
    }

    private static ClassMaps Maps(NpyArray array, int[] ids, string name)
    {
        if (array.Rank != 3) throw new WsssInputException(null, $"'{name}' has rank {array.Rank}, expected (C, H, W)");
        if (array.Shape[0] != ids.Length)
            throw new WsssInputException(null, $"'{name}' has {array.Shape[0]} channels but 'keys' lists {ids.Length} classes");
        var data = array.TakeFloat32();
        RequireFinite(data);
        return new ClassMaps(ids, array.Shape[1], array.Shape[2], data);
    }

    // ---------------------------------------------------------------- plain arrays
    private static CamDump FromPlain(NpyArray array, CamReadOptions options)
    {
        if (array.Rank != 3)
            throw new WsssInputException(null, $"a plain CAM array must be (C, H, W); this one has shape ({string.Join(", ", array.Shape)})");
        var allowed = options.Preset?.Formats;
        var present = options.PresentForegroundClasses?.Order().ToArray();
        int channels = array.Shape[0];
        bool icd = allowed?.Contains(CamDumpFormat.IcdPlain) == true;
        bool withBg = allowed?.Contains(CamDumpFormat.PlainWithBackground) == true;
        if (allowed is null)
        {
            // Auto-detection: the channel count against the image-level label tells the two plain layouts apart.
            if (present is null)
                throw new WsssInputException(null, "a plain array stores no class ids: pass the image-level labels or name the format");
            withBg = channels == present.Length + 1;
            icd = !withBg && channels == present.Length && array.Shape[1] == array.Shape[2];
        }
        if (!icd && !withBg)
            throw new WsssInputException(null, "this format does not write plain arrays");
        if (present is null)
            throw new WsssInputException(null, "a plain array stores no class ids: the image-level labels are needed");
        if (withBg)
        {
            if (channels != present.Length + 1)
                throw new WsssInputException(null, $"the array has {channels} channels; background + {present.Length} present classes expected");
            var data = array.ToFloat32();
            RequireFinite(data);
            var ids = present.Select(c => c + 1).Prepend(0).ToArray();
            return new CamDump(new ClassMaps(ids, array.Shape[1], array.Shape[2], data), null, CamDumpFormat.PlainWithBackground);
        }
        if (channels != present.Length)
            throw new WsssInputException(null, $"the array has {channels} channels but the image has {present.Length} present classes");
        var raw = array.ToFloat32();
        RequireFinite(raw);
        var maps = IcdCanvas.ToImage(raw, channels, array.Shape[1], array.Shape[2], options.ImageHeight, options.ImageWidth);
        return new CamDump(new ClassMaps(present.Select(c => c + 1).ToArray(), options.ImageHeight, options.ImageWidth, maps),
            null, CamDumpFormat.IcdPlain);
    }

    // ---------------------------------------------------------------- value checks and quirks
    private static void RequireFinite(float[] data)
    {
        // x - x is 0 for finite x and NaN for NaN or infinity; one vector pass finds either.
        var acc = Vector<float>.Zero;
        int i = 0;
        var span = data.AsSpan();
        for (; i <= span.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(span[i..]);
            acc += v - v;
        }
        bool bad = !Vector.EqualsAll(acc, Vector<float>.Zero);
        for (; i < span.Length; i++) bad |= !float.IsFinite(span[i]);
        if (!bad) return;
        foreach (float v in span)
            if (float.IsNaN(v)) throw new WsssInputException(null, "CAM contains NaN");
        throw new WsssInputException(null, "CAM contains Inf");
    }

    private static void ApplyBinaryMask255(CamDump dump)
    {
        foreach (var maps in new[] { dump.HighRes, dump.LowRes })
        {
            if (maps is null) continue;
            float max = maps.Data.Length == 0 ? 0 : maps.Data.Max();
            if (max <= 1f) continue;
            var d = maps.Data;
            for (int i = 0; i < d.Length; i++) d[i] /= 255f;
        }
    }
}
