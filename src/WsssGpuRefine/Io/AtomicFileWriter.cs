namespace WsssGpuRefine.Io;

/// <summary>
/// Writes a file so that it is either absent or complete: the bytes go to a temporary sibling, are flushed,
/// and the temporary file is renamed over the target. An interrupted run never leaves a half-written output,
/// which is what makes resuming by "skip outputs that exist" safe.
/// </summary>
public static class AtomicFileWriter
{
    /// <summary>Ends every temporary file name (after the process and thread ids); <see cref="CleanStaleTemporaries"/> removes files ending in it.</summary>
    public const string TemporarySuffix = ".partial";

    /// <summary>Writes <paramref name="path"/> through a flushed temporary sibling that is then renamed over it; creates the directory if needed.</summary>
    /// <param name="path">The target file; replaced if it exists.</param>
    /// <param name="write">Writes the whole content to the stream it is given (do not dispose it).</param>
    /// <remarks>On any failure the temporary file is deleted, the target is left as it was, and the exception propagates.</remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        string temporary = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}{TemporarySuffix}";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM) with the same all-or-nothing guarantee as <see cref="Write"/>.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using var writer = new StreamWriter(s, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>Removes temporaries left by a killed run in <paramref name="directory"/>.</summary>
    public static int CleanStaleTemporaries(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(directory, "*" + TemporarySuffix))
            if (TryDelete(file)) removed++;
        return removed;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
