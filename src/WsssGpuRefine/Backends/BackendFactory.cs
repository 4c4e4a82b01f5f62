namespace WsssGpuRefine.Backends;

/// <summary>Creates the backend a caller asks for (placeholder until the Vulkan backend lands: CPU only).</summary>
public static class BackendFactory
{
    public static ComputeBackend Create(BackendPreference preference, Action<string>? info = null)
    {
        if (preference == BackendPreference.Vulkan)
            throw new ArgumentException("the Vulkan backend is not available in this build");
        if (preference == BackendPreference.Auto) info?.Invoke("info: no Vulkan GPU found; using the CPU path");
        return new CpuBackend();
    }
}
