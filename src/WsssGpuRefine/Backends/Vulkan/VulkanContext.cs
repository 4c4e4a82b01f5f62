using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Silk.NET.Core;
using Silk.NET.Core.Contexts;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// A Vulkan instance (API 1.1+) plus, in debug/test mode, a debug-utils messenger that records
/// validation errors so they surface as exceptions after the call that caused them.
/// </summary>
internal sealed unsafe class VulkanContext : IDisposable
{
    private const string ValidationLayer = "VK_LAYER_KHRONOS_validation";
    private const string DebugUtilsExtension = "VK_EXT_debug_utils";
    private const string PortabilityEnumerationExtension = "VK_KHR_portability_enumeration";

    private static readonly object SharedApiLock = new();
    private static Vk? _sharedApi;
    private static string? _sharedApiFailure;

    private readonly bool _ownsApi;
    private readonly DebugUtilsMessengerEXT _messenger;
    private GCHandle _selfHandle;
    private readonly ConcurrentQueue<string> _validationErrors = new();
    private bool _disposed;

    public Vk Vk { get; }
    public Instance Instance { get; }
    public bool HasMessenger => _messenger.Handle != 0;

    private VulkanContext(Vk vk, bool ownsApi, Instance instance)
    {
        Vk = vk;
        _ownsApi = ownsApi;
        Instance = instance;
    }

    private VulkanContext(Vk vk, bool ownsApi, Instance instance, bool debug) : this(vk, ownsApi, instance)
    {
        if (debug) _messenger = CreateMessenger();
    }

    /// <summary>
    /// Loads the loader library (the system's libvulkan unless <paramref name="loaderLibrary"/> names
    /// another, a seam for tests) and creates an instance. Returns null with a reason instead of throwing.
    /// </summary>
    public static VulkanContext? TryCreate(string? loaderLibrary, bool debugMessenger, bool validationLayer, out string? failure)
    {
        failure = null;
        Vk? vk;
        bool owns = loaderLibrary is not null;
        try
        {
            vk = owns ? new Vk(new DefaultNativeContext(loaderLibrary!)) : SharedApi(out failure);
        }
        catch (Exception e)
        {
            failure = $"the Vulkan loader ({loaderLibrary}) could not be loaded: {e.Message}";
            return null;
        }
        if (vk is null) return null;

        try
        {
            uint version = Vk.Version10;
            try
            {
                vk.EnumerateInstanceVersion(&version);
            }
            catch (Exception e)
            {
                failure = LoaderMissingReason(loaderLibrary, e);
                return null;
            }
            if (version < Vk.Version11)
            {
                failure = $"the Vulkan loader supports only {FormatVersion(version)}; 1.1 or newer is required";
                return null;
            }

            var extensions = InstanceExtensions(vk);
            var layers = InstanceLayers(vk);
            var wantExtensions = new List<string>();
            var wantLayers = new List<string>();
            bool debug = debugMessenger && extensions.Contains(DebugUtilsExtension);
            if (debug) wantExtensions.Add(DebugUtilsExtension);
            if (validationLayer && layers.Contains(ValidationLayer)) wantLayers.Add(ValidationLayer);
            bool portability = extensions.Contains(PortabilityEnumerationExtension);
            if (portability) wantExtensions.Add(PortabilityEnumerationExtension);

            var appName = (byte*)SilkMarshal.StringToPtr("WsssGpuRefine");
            var extPtrs = (byte**)SilkMarshal.StringArrayToPtr(wantExtensions);
            var layerPtrs = (byte**)SilkMarshal.StringArrayToPtr(wantLayers);
            try
            {
                var app = new ApplicationInfo
                {
                    SType = StructureType.ApplicationInfo,
                    PApplicationName = appName,
                    ApplicationVersion = 1,
                    PEngineName = appName,
                    EngineVersion = 1,
                    ApiVersion = Vk.Version11,
                };
                var info = new InstanceCreateInfo
                {
                    SType = StructureType.InstanceCreateInfo,
                    PApplicationInfo = &app,
                    EnabledExtensionCount = (uint)wantExtensions.Count,
                    PpEnabledExtensionNames = extPtrs,
                    EnabledLayerCount = (uint)wantLayers.Count,
                    PpEnabledLayerNames = layerPtrs,
                    Flags = portability ? InstanceCreateFlags.EnumeratePortabilityBitKhr : 0,
                };
                Instance instance;
                var result = vk.CreateInstance(&info, null, &instance);
                if (result != Result.Success)
                {
                    failure = result == Result.ErrorIncompatibleDriver
                        ? "no Vulkan driver (ICD) is installed, or none supports Vulkan 1.1"
                        : $"creating a Vulkan instance failed: {result}";
                    return null;
                }
                var ctx = new VulkanContext(vk, owns, instance, debug);
                owns = false; // the context owns the api from here on
                return ctx;
            }
            finally
            {
                SilkMarshal.Free((nint)appName);
                SilkMarshal.Free((nint)extPtrs);
                SilkMarshal.Free((nint)layerPtrs);
            }
        }
        catch (Exception e)
        {
            failure = $"Vulkan initialisation failed: {e.Message}";
            return null;
        }
        finally
        {
            if (owns) vk.Dispose();
        }
    }

    private static Vk? SharedApi(out string? failure)
    {
        lock (SharedApiLock)
        {
            failure = _sharedApiFailure;
            if (_sharedApi is not null || _sharedApiFailure is not null) return _sharedApi;
            try
            {
                // One loader per process: unloading and reloading libvulkan per query would leak driver state.
                _sharedApi = Vk.GetApi();
            }
            catch (Exception e)
            {
                _sharedApiFailure = LoaderMissingReason(null, e);
            }
            failure = _sharedApiFailure;
            return _sharedApi;
        }
    }

    private static string LoaderMissingReason(string? library, Exception e) =>
        $"the Vulkan loader ({library ?? "libvulkan.so.1 / vulkan-1.dll"}) is not installed ({e.GetType().Name})";

    public static string FormatVersion(uint v) => $"{v >> 22}.{(v >> 12) & 0x3FF}.{v & 0xFFF}";

    private static HashSet<string> InstanceExtensions(Vk vk)
    {
        uint count = 0;
        vk.EnumerateInstanceExtensionProperties((byte*)null, &count, null);
        var props = new ExtensionProperties[count];
        fixed (ExtensionProperties* p = props)
            vk.EnumerateInstanceExtensionProperties((byte*)null, &count, p);
        var set = new HashSet<string>();
        for (int i = 0; i < count; i++)
            fixed (byte* name = props[i].ExtensionName)
                set.Add(SilkMarshal.PtrToString((nint)name)!);
        return set;
    }

    private static HashSet<string> InstanceLayers(Vk vk)
    {
        uint count = 0;
        vk.EnumerateInstanceLayerProperties(&count, null);
        var props = new LayerProperties[count];
        fixed (LayerProperties* p = props)
            vk.EnumerateInstanceLayerProperties(&count, p);
        var set = new HashSet<string>();
        for (int i = 0; i < count; i++)
            fixed (byte* name = props[i].LayerName)
                set.Add(SilkMarshal.PtrToString((nint)name)!);
        return set;
    }

    private DebugUtilsMessengerEXT CreateMessenger()
    {
        var create = (delegate* unmanaged[Cdecl]<Instance, DebugUtilsMessengerCreateInfoEXT*, AllocationCallbacks*, DebugUtilsMessengerEXT*, Result>)
            Vk.GetInstanceProcAddr(Instance, "vkCreateDebugUtilsMessengerEXT").Handle;
        if (create == null) return default;
        _selfHandle = GCHandle.Alloc(this);
        var info = new DebugUtilsMessengerCreateInfoEXT
        {
            SType = StructureType.DebugUtilsMessengerCreateInfoExt,
            MessageSeverity = DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt | DebugUtilsMessageSeverityFlagsEXT.WarningBitExt,
            MessageType = DebugUtilsMessageTypeFlagsEXT.ValidationBitExt | DebugUtilsMessageTypeFlagsEXT.GeneralBitExt
                          | DebugUtilsMessageTypeFlagsEXT.PerformanceBitExt,
            PfnUserCallback = new PfnDebugUtilsMessengerCallbackEXT(&OnDebugMessage),
            PUserData = (void*)GCHandle.ToIntPtr(_selfHandle),
        };
        DebugUtilsMessengerEXT messenger;
        return create(Instance, &info, null, &messenger) == Result.Success ? messenger : default;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static Bool32 OnDebugMessage(DebugUtilsMessageSeverityFlagsEXT severity, DebugUtilsMessageTypeFlagsEXT type,
        DebugUtilsMessengerCallbackDataEXT* data, void* userData)
    {
        // Throwing across the native boundary would tear the process down: record, and let the
        // caller throw after the Vulkan call returns.
        if ((severity & DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt) != 0 && userData != null)
        {
            var ctx = (VulkanContext?)GCHandle.FromIntPtr((nint)userData).Target;
            string message = data is null ? "(no message)" : SilkMarshal.PtrToString((nint)data->PMessage) ?? "(no message)";
            ctx?._validationErrors.Enqueue(message);
            if (Environment.GetEnvironmentVariable("WSSS_VULKAN_PRINT_VALIDATION") == "1") Console.Error.WriteLine(message);
        }
        return false;
    }

    /// <summary>Throws the validation errors recorded since the last check, if any.</summary>
    public void ThrowIfValidationErrors(string what)
    {
        if (_validationErrors.IsEmpty) return;
        var messages = new List<string>();
        while (_validationErrors.TryDequeue(out var m)) messages.Add(m);
        throw new VulkanBackendException($"Vulkan validation error during {what}: {string.Join(" | ", messages)}");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_messenger.Handle != 0)
        {
            var destroy = (delegate* unmanaged[Cdecl]<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void>)
                Vk.GetInstanceProcAddr(Instance, "vkDestroyDebugUtilsMessengerEXT").Handle;
            if (destroy != null) destroy(Instance, _messenger, null);
        }
        Vk.DestroyInstance(Instance, null);
        if (_selfHandle.IsAllocated) _selfHandle.Free();
        if (_ownsApi) Vk.Dispose();
    }
}
