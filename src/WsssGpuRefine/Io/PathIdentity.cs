namespace WsssGpuRefine.Io;

/// <summary>
/// Whether two paths name one folder or one file. On Linux the file system says so: the two have the same device and
/// inode (<c>statx</c>), which also sees bind mounts and hard links. Elsewhere, and where that call is missing, the paths
/// are compared absolute, with every symbolic link on the way resolved, as the file system compares names
/// (case-insensitively on Windows and macOS); aliases that are not links are not seen there. What does not exist is
/// none of the existing ones.
/// </summary>
public static class PathIdentity
{
    /// <summary>Links followed at most while resolving one path (Linux's own limit is 40).</summary>
    private const int MaxLinks = 40;

    private static StringComparison NameComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are one existing folder.</summary>
    public static bool SameFolder(string a, string b) =>
        Directory.Exists(a) && Directory.Exists(b) && Same(a, b);

    /// <summary>
    /// <see cref="SameFolder"/> where both exist; otherwise whether their paths, links resolved, are one: for a folder a
    /// command creates (refine's <c>--out</c>) and a file it will write there.
    /// </summary>
    public static bool SameFolderOnceCreated(string a, string b) =>
        Directory.Exists(a) && Directory.Exists(b) ? Same(a, b) : string.Equals(Canonical(a), Canonical(b), NameComparison);

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are one existing file.</summary>
    public static bool SameFile(string a, string b) =>
        File.Exists(a) && File.Exists(b) && Same(a, b);

    private static bool Same(string a, string b) =>
        UnixStat.Of(a) is { } statA && UnixStat.Of(b) is { } statB
            ? statA.SameFileAs(statB)
            : string.Equals(Canonical(a), Canonical(b), NameComparison);

    /// <summary>The absolute path of <paramref name="path"/> with every link among its components resolved, without a trailing separator.</summary>
    public static string Canonical(string path)
    {
        int links = 0;
        return Resolve(Path.GetFullPath(path), ref links);
    }

    private static string Resolve(string full, ref int links)
    {
        string root = Path.GetPathRoot(full) ?? "";
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
        {
            if (part.Length == 0) continue;   // GetFullPath has removed "." and ".." already
            current = Path.Combine(current, part);
            FileSystemInfo? target;
            try
            {
                var info = new DirectoryInfo(current);
                target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: false);
            }
            catch (IOException)
            {
                return current;   // a link loop or an unreadable link: compared as written
            }
            if (target is null) continue;
            if (++links > MaxLinks) return current;
            // The target's full path (a relative link resolved against the link's folder) may hold links of its own.
            current = Resolve(Path.GetFullPath(target.FullName), ref links);
        }
        return current.Length > root.Length ? current.TrimEnd(Path.DirectorySeparatorChar) : current;
    }
}
