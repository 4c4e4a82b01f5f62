using System.Runtime.InteropServices;

namespace WsssGpuRefine.Cli.Commands;

/// <summary>One native piece <c>wsss</c> loads from the machine or from its own bundle, and whether it is there.</summary>
/// <param name="Name">What it is, e.g. "Vulkan loader libvulkan.so.1".</param>
/// <param name="Found">Whether it loaded.</param>
/// <param name="Detail">Its version where found; otherwise what fails without it and how to install it.</param>
internal sealed record NativeRequirement(string Name, bool Found, string Detail)
{
    public override string ToString() => Found ? $"{Name}: {Detail}" : $"{Name} not found: {Detail}";
}

/// <summary>
/// What <c>wsss devices</c> checks on the target machine (README "Native dependencies"): the C library, the Vulkan
/// loader (GPU runs only), SkiaSharp's native library (image decoding, plots, contact sheets; inside the
/// self-contained <c>wsss</c>, beside the dll in the dotnet tool) and fonts for the plots' text.
/// </summary>
internal static class NativeRequirements
{
    public static IReadOnlyList<NativeRequirement> Check()
    {
        var list = new List<NativeRequirement>();
        if (OperatingSystem.IsLinux() && GlibcVersion() is { } glibc)
            list.Add(new NativeRequirement("glibc", true, $"{glibc} (2.27 or newer needed)"));
        list.Add(VulkanLoader());
        var skia = Skia();
        list.Add(skia);
        if (skia.Found) list.Add(Fonts());
        return list;
    }

    private static NativeRequirement VulkanLoader()
    {
        string name = OperatingSystem.IsWindows() ? "vulkan-1.dll" : OperatingSystem.IsMacOS() ? "libvulkan.1.dylib" : "libvulkan.so.1";
        string install = OperatingSystem.IsWindows() ? "install the GPU driver (it ships the loader)"
                       : OperatingSystem.IsMacOS() ? "install the Vulkan SDK (MoltenVK)" : "install libvulkan1";
        if (NativeLibrary.TryLoad(name, out nint handle))
        {
            NativeLibrary.Free(handle);
            return new NativeRequirement($"Vulkan loader {name}", true, "found");
        }
        return new NativeRequirement($"Vulkan loader {name}", false, $"{install} for GPU runs; CPU backend available");
    }

    private static NativeRequirement Skia()
    {
        const string name = "SkiaSharp native library";
        try
        {
            return new NativeRequirement(name, true, $"found (Skia {SkiaSharp.SkiaSharpVersion.Native})");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            string file = OperatingSystem.IsWindows() ? "libSkiaSharp.dll" : OperatingSystem.IsMacOS() ? "libSkiaSharp.dylib" : "libSkiaSharp.so";
            return new NativeRequirement($"{name} {file}", false,
                "JPEG decoding, plots and contact sheets fail; use the self-contained wsss (it carries it) or reinstall the dotnet tool");
        }
    }

    /// <summary>Skia draws plot text with the system's fonts; without any, plots come out with no labels.</summary>
    private static NativeRequirement Fonts()
    {
        // With no font file Skia still reports one empty family, so ask whether the default face can draw a letter.
        var face = SkiaSharp.SKTypeface.Default;
        return face.ContainsGlyph('A')
            ? new NativeRequirement("fonts", true, $"found ({face.FamilyName} for the plots' text)")
            : new NativeRequirement("fonts", false, "plots are drawn without any text; install fonts-dejavu-core");
    }

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern nint GnuGetLibcVersion();

    private static string? GlibcVersion()
    {
        try
        {
            return Marshal.PtrToStringAnsi(GnuGetLibcVersion());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // musl and other C libraries have no gnu_get_libc_version
        }
    }
}
