using System.IO.Compression;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;

namespace WsssGpuRefine.Io.Npy;

/// <summary>Reads <c>np.savez</c> / <c>np.savez_compressed</c> archives: a zip holding one NPY per array.</summary>
public static class NpzReader
{
    /// <summary>Reads every array of the archive, keyed by its name without the <c>.npy</c> suffix.</summary>
    /// <param name="path">The archive.</param>
    /// <param name="limits">Caps on what the archive may inflate to and materialise (<see cref="NpyReadLimits.Default"/> when null).</param>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path, NpyReadLimits? limits = null)
    {
        return InputFile.ReadItem(path, () =>
        {
            using var stream = File.OpenRead(path);
            return Read(stream, limits);
        });
    }

    /// <summary>Reads every array of an archive stream, keyed by its name without the <c>.npy</c> suffix; the stream is left open.</summary>
    /// <param name="stream">The zip bytes.</param>
    /// <param name="limits">Caps on what the archive may inflate to and materialise (<see cref="NpyReadLimits.Default"/> when null).
    /// The members' uncompressed sizes are counted as they inflate, so a forged size in the zip's directory does not help.</param>
    /// <exception cref="WsssInputException">The stream is not a zip, an entry is not a valid NPY, or the archive inflates
    /// past <see cref="NpyReadLimits.MaxUncompressedBytes"/> (no file named; the path overload adds it).</exception>
    public static IReadOnlyDictionary<string, NpyArray> Read(Stream stream, NpyReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= NpyReadLimits.Default;
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        long remaining = limits.MaxUncompressedBytes;
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue;
                string name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                if (entry.Length > remaining) throw TooLarge(limits);
                using var member = new MemoryStream();
                using (var s = entry.Open())
                    remaining -= CopyAtMost(s, member, remaining, limits);
                try
                {
                    result[name] = NpyReader.Read(member.GetBuffer().AsMemory(0, (int)member.Length), limits);
                }
                catch (WsssInputException e)
                {
                    throw new WsssInputException(null, $"array '{name}': {e.Reason}", e);
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new WsssInputException(null, $"not a valid NPZ (zip) archive: {e.Message}", e);
        }
        return result;
    }

    private static WsssInputException TooLarge(NpyReadLimits limits) =>
        new(null, $"the archive inflates to more than {limits.MaxUncompressedBytes} bytes (the reader's NPZ size limit)");

    /// <summary>Copies the member, refusing it as soon as it passes <paramref name="allowed"/> bytes; returns the bytes copied.</summary>
    private static long CopyAtMost(Stream source, MemoryStream destination, long allowed, NpyReadLimits limits)
    {
        var buffer = new byte[81920];
        long copied = 0;
        int n;
        while ((n = source.Read(buffer)) > 0)
        {
            copied += n;
            if (copied > allowed || copied > Array.MaxLength) throw TooLarge(limits);
            destination.Write(buffer, 0, n);
        }
        return copied;
    }
}
