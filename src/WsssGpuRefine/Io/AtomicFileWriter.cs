namespace WsssGpuRefine.Io;

/// <summary>
/// Writes a file so that it is either absent or complete: the bytes go to a temporary sibling, are flushed,
/// and the temporary file is renamed over the target. An interrupted run never leaves a half-written output,
/// which is what makes resuming by "skip outputs that exist" safe.
/// </summary>
public static partial class AtomicFileWriter
{
    /// <summary>Ends every temporary file name, <c>TARGET.WRITER_THREAD.partial</c> (WRITER is <see cref="WriterIdentity.Current"/>).</summary>
    public const string TemporarySuffix = ".partial";

    /// <summary>Writes <paramref name="path"/> through a flushed temporary sibling that is then renamed over it; creates the directory if needed.</summary>
    /// <param name="path">The target file; replaced if it exists.</param>
    /// <param name="write">Writes the whole content to the stream it is given (do not dispose it).</param>
    /// <remarks>
    /// On any failure the temporary file is deleted, the target is left as it was, and the exception propagates.
    /// A symbolic link is followed: its final target is replaced and the link kept. A target under <c>/dev/</c> or
    /// <c>/proc/</c> (<c>/dev/stdout</c>, a terminal, <c>/dev/null</c>), or a link to one, is a device or stream, not a
    /// file to replace: it is written straight through, not atomically. (A named pipe elsewhere is still replaced: .NET
    /// does not tell a pipe from a file.)
    /// </remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        // /dev/stdout is a link to /proc/self/fd/1, whose own "target" (pipe:[N]) is no path: devices are checked first.
        if (!IsDeviceOrStream(path)) path = FinalTarget(path);
        if (IsDeviceOrStream(path))
        {
            using var device = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            write(device);
            device.Flush();
            return;
        }
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        string temporary = TemporaryFor(path);
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

    /// <summary>
    /// Creates <paramref name="path"/> holding <paramref name="text"/> only if no such file exists, atomically: of
    /// several processes trying at once, exactly one creates it, complete, and the others get false.
    /// </summary>
    /// <returns>True if this call created the file; false if it existed.</returns>
    public static bool TryCreate(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        string temporary = TemporaryFor(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(new System.Text.UTF8Encoding(false).GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            bool created = LinkExclusive(temporary, path);
            TryDelete(temporary);   // the link's first name (a moved temporary is gone already)
            return created;
        }
        catch (IOException) when (File.Exists(path))
        {
            TryDelete(temporary);
            return false;
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Removes the temporaries of writers that are gone (a killed run) in <paramref name="directory"/>, and only
    /// those: processes writing into the same folder right now (the shards of one run) keep theirs.
    /// </summary>
    /// <returns>How many were removed.</returns>
    public static int CleanStaleTemporaries(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(directory, "*" + TemporarySuffix))
        {
            if (!WriterIdentity.IsGone(WriterOf(file), File.GetLastWriteTimeUtc(file))) continue;
            if (TryDelete(file)) removed++;
        }
        return removed;
    }

    /// <summary>The file a symbolic link (or a chain of them) ends at, as an absolute path; any other path unchanged.</summary>
    private static string FinalTarget(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is null) return path;
            // A dangling link's final target does not exist; it is still where the link points.
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target?.FullName ?? path;
        }
        catch (IOException)
        {
            // A link loop (or a chain too long): renaming over it would replace the link with a file.
            throw new IOException($"too many levels of symbolic links: '{Path.GetFullPath(path)}'");
        }
    }

    /// <summary>True for a path under /dev/ or /proc/ (devices, terminals, a process's descriptors) on Unix.</summary>
    private static bool IsDeviceOrStream(string path)
    {
        if (OperatingSystem.IsWindows()) return false;
        string full = Path.GetFullPath(path);
        return full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal);
    }

    private static string TemporaryFor(string path) => $"{path}.{WriterIdentity.Current}_{Environment.CurrentManagedThreadId}{TemporarySuffix}";

    /// <summary>The writer identity in a temporary's name (<c>TARGET.HOST_PID_START_THREAD.partial</c>), or null.</summary>
    private static string? WriterOf(string temporary)
    {
        string name = Path.GetFileName(temporary)[..^TemporarySuffix.Length];
        string tag = name[(name.LastIndexOf('.') + 1)..];
        int thread = tag.LastIndexOf('_');
        return thread > 0 ? tag[..thread] : null;
    }

    /// <summary>
    /// Gives <paramref name="temporary"/> the name <paramref name="path"/> unless that exists, as one step: false when it
    /// exists. On Linux the C library's link(2), which fails with EEXIST; .NET's File.Move without overwrite checks that
    /// the target is absent and then renames, so two processes could both "create" the file (two refines with different
    /// recipes into one new --out both recorded theirs and mixed their outputs). Elsewhere File.Move.
    /// </summary>
    private static bool LinkExclusive(string temporary, string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                if (Link(temporary, path) == 0) return true;
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == 17) return false;   // EEXIST
                // A file system without hard links (EPERM, ENOTSUP, ...): fall back to File.Move below.
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "link", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string path);

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
