using System.Runtime.InteropServices;

namespace WsssGpuRefine.Io;

/// <summary>
/// What Linux's <c>statx</c> says of a path, links followed: its type and its identity (device and inode). Null on other
/// systems, where the call is missing, or where it fails (a missing file).
/// </summary>
internal readonly partial record struct UnixStat(uint Mode, uint DeviceMajor, uint DeviceMinor, ulong Inode)
{
    private const uint TypeMask = 0xF000;   // S_IFMT
    private const uint CharDevice = 0x2000, BlockDevice = 0x6000;

    /// <summary>A character or block device (/dev/zero, /dev/urandom, a disk): a file that may never end.</summary>
    public bool IsDevice => (Mode & TypeMask) is CharDevice or BlockDevice;

    /// <summary>One file, whatever the names: the same device and inode (hard links, bind mounts, symbolic links).</summary>
    public bool SameFileAs(UnixStat other) => DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor && Inode == other.Inode;

    public static unsafe UnixStat? Of(string path)
    {
        if (!OperatingSystem.IsLinux() || !present) return null;
        // struct statx is the same on every Linux architecture: stx_mask at byte 0, stx_mode at 28, stx_ino at 32,
        // stx_dev_major/minor at 136/140 (the device is always filled in).
        byte* buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtCurrentFolder, path, 0, Wanted, buffer) != 0) return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            present = false;   // a C library older than glibc 2.28, or not glibc's
            return null;
        }
        if ((*(uint*)buffer & Wanted) != Wanted) return null;   // the type or the inode was not filled in
        return new UnixStat(*(ushort*)(buffer + 28), *(uint*)(buffer + 136), *(uint*)(buffer + 140), *(ulong*)(buffer + 32));
    }

    private static bool present = true;
    private const int AtCurrentFolder = -100;   // AT_FDCWD
    private const uint Wanted = 0x1 | 0x100;    // STATX_TYPE | STATX_INO

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int folder, string path, int flags, uint mask, byte* buffer);
}
