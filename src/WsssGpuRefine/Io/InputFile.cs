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

    /// <summary>The error of a file that <see cref="HoldsNoByte"/>.</summary>
    public static WsssInputException NoByte(string path) =>
        new(path, "holds no byte: an empty file, or not a regular file (a pipe or a device)");
}
