using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace WsssGpuRefine.Io;

/// <summary>
/// Names the process that owns a temporary or journal file (host, pid and the pid's start time), so that a
/// later process can tell a file of a live writer (another shard writing into the same folder) from one left by
/// a process that is gone. A pid alone is not enough: pids are reused, and on a shared file system the
/// writer may run on another host.
/// </summary>
public static class WriterIdentity
{
    /// <summary>How long a file of a writer on another host (whose liveness cannot be checked) is presumed live.</summary>
    public static readonly TimeSpan ForeignWriterGrace = TimeSpan.FromHours(1);

    private static readonly string Host = Sanitize(Environment.MachineName);

    /// <summary>This process: <c>HOST_PID_START</c> (HOST holds only letters, digits and '-').</summary>
    public static string Current { get; } = $"{Host}_{Environment.ProcessId}_{StartToken(Environment.ProcessId) ?? "0"}";

    /// <summary>
    /// Whether the writer a file was made by is gone, so the file is stale: a writer on this host is gone when its
    /// pid no longer runs or runs another process (another start time); a writer elsewhere, or an unreadable name,
    /// when the file has not been written for <see cref="ForeignWriterGrace"/>.
    /// </summary>
    /// <param name="identity">The <see cref="Current"/> of the writer, as found in the file's name; null if the name holds none.</param>
    /// <param name="lastWriteUtc">The file's last write time.</param>
    public static bool IsGone(string? identity, DateTime lastWriteUtc)
    {
        var parts = identity?.Split('_');
        if (parts is { Length: 3 } && parts[0] == Host && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            return StartToken(pid) != parts[2];
        return DateTime.UtcNow - lastWriteUtc > ForeignWriterGrace;
    }

    /// <summary>The start time of a running pid (clock ticks after boot on Linux), or null when no such process runs.</summary>
    private static string? StartToken(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        if (OperatingSystem.IsLinux())
        {
            try
            {
                // Field 22 (starttime); the command name (field 2) may hold spaces, so count from its closing ')'.
                string text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                return fields.Length > 19 ? fields[19] : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return (process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string Sanitize(string host)
    {
        var sb = new StringBuilder();
        foreach (char c in host) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-');
        return sb.Length > 0 ? sb.ToString() : "host";
    }
}
