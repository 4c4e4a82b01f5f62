using System.IO.Compression;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Npy;

/// <summary>Reads <c>np.savez</c> / <c>np.savez_compressed</c> archives: a zip holding one NPY per array.</summary>
public static class NpzReader
{
    /// <summary>Reads every array of the archive, keyed by its name without the <c>.npy</c> suffix.</summary>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        return InputFile.Read(path, () =>
        {
            using var stream = File.OpenRead(path);
            return Read(stream);
        });
    }

    /// <summary>Reads every array of an archive stream, keyed by its name without the <c>.npy</c> suffix; the stream is left open.</summary>
    /// <exception cref="WsssInputException">The stream is not a zip or an entry is not a valid NPY (no file named; the path overload adds it).</exception>
    public static IReadOnlyDictionary<string, NpyArray> Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue;
                string name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                using var s = entry.Open();
                try
                {
                    result[name] = NpyReader.Read(s);
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
}
