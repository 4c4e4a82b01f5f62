using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WsssGpuRefine.Native;

/// <summary>
/// SkiaSharp's native library (libSkiaSharp.so, the JPEG/PNG decoder) is not linked into libwsss_refine.so: it is
/// installed beside it. NativeAOT looks for it beside the process's executable (/usr/bin for python3), so the
/// library resolves it from the folder of the shared library that holds this code, found with dladdr.
/// </summary>
internal static unsafe class NativeLibraryDirectory
{
    [StructLayout(LayoutKind.Sequential)]
    private struct DlInfo
    {
        public nint FileName, BaseAddress, SymbolName, SymbolAddress;
    }

    [DllImport("libc", EntryPoint = "dladdr")]
    private static extern int DlAddr(nint address, out DlInfo info);

    // This library is the application here (the host is python3), so its module initializer is the place to set
    // the resolver before any SkiaSharp call.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        string? folder = Folder();
        if (folder is null) return;
        NativeLibrary.SetDllImportResolver(typeof(SkiaSharp.SKImage).Assembly, (name, _, _) =>
        {
            string file = Path.Combine(folder, name.EndsWith(".so", StringComparison.Ordinal) ? name : name + ".so");
            return File.Exists(file) && NativeLibrary.TryLoad(file, out nint handle) ? handle : 0;
        });
    }

    /// <summary>The folder of libwsss_refine.so, or null where dladdr cannot tell (then the default search applies).</summary>
    private static string? Folder()
    {
        try
        {
            delegate* unmanaged<int> self = &AbiVersionAddress;
            if (DlAddr((nint)self, out var info) == 0 || info.FileName == 0) return null;
            string? path = Marshal.PtrToStringUTF8(info.FileName);
            return string.IsNullOrEmpty(path) ? null : Path.GetDirectoryName(Path.GetFullPath(path));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [UnmanagedCallersOnly]
    private static int AbiVersionAddress() => 0;
}
