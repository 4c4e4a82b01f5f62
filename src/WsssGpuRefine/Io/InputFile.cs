using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io;

/// <summary>Every reader's file handling: I/O failures and decoding errors both become errors naming the file.</summary>
internal static class InputFile
{
    public static T Read<T>(string path, Func<T> read)
    {
        try
        {
            if (Directory.Exists(path)) throw new WsssInputException(path, "is a folder, not a file");
            return read();
        }
        catch (WsssInputException e)
        {
            throw e.WithFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WsssInputException(path, $"cannot read: {e.Message}", e);
        }
    }

    /// <summary>
    /// <see cref="Read{T}"/> for a file of one item (a dump, an image, a label map, an affinity file): one that holds no
    /// byte, after links, is refused before it is opened. That is an empty file, and also a pipe or a device, which the
    /// file system shows with no length: opening a pipe without a writer would wait forever, and a device such as
    /// /dev/zero never ends. (A list may come through a pipe, as <c>--list &lt;(grep ...)</c>; it is read with
    /// <see cref="Read{T}"/>.)
    /// </summary>
    public static T ReadItem<T>(string path, Func<T> read) => Read(path, () =>
    {
        if (HoldsNoByte(path)) throw NoByte(path);
        return read();
    });

    /// <summary>True when <paramref name="path"/>, after links, is a file of length 0: empty, a pipe or a device (see <see cref="ReadItem{T}"/>).</summary>
    public static bool HoldsNoByte(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        return info.Exists && info.Length == 0;
    }

    /// <summary>
    /// The text of <paramref name="path"/> (UTF-8, or what its byte-order mark says), read through a pipe too, but never
    /// more than <paramref name="maxBytes"/>: a file past that, or a device such as /dev/urandom that never ends, is
    /// refused once that much is read, instead of filling the memory.
    /// </summary>
    /// <param name="what">What the file should be, for the error ("an image list").</param>
    public static string ReadText(string path, long maxBytes, string what) => Read(path, () =>
    {
        if (UnixStat.Of(path) is { IsDevice: true }) throw new WsssInputException(path, $"is a device, not {what}");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        if (stream.CanSeek && stream.Length > maxBytes) throw TooLarge(path, maxBytes, what);
        var bytes = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (bytes.Length + n > maxBytes) throw TooLarge(path, maxBytes, what);
            bytes.Write(chunk, 0, n);
        }
        bytes.Position = 0;
        using var reader = new StreamReader(bytes, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    });

    private static WsssInputException TooLarge(string path, long maxBytes, string what) =>
        new(path, $"holds more than {maxBytes >> 20} MiB: too large for {what}");

    /// <summary>The error of a file that <see cref="HoldsNoByte"/>.</summary>
    public static WsssInputException NoByte(string path) =>
        new(path, "holds no byte: an empty file, or not a regular file (a pipe or a device)");
}
