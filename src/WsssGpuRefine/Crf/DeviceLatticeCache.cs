using System.Runtime.CompilerServices;
using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Crf;

/// <summary>
/// The Gaussian kernel's device lattices, per Vulkan backend, by what they depend on (image size and sxy): the
/// device twin of the CPU's per-size Gaussian cache (DenseCrf), so a run over many same-size images builds each
/// size's Gaussian lattice once instead of once per image (nine dispatches and a wait for the vertex count).
/// </summary>
/// <remarks>
/// The last <see cref="Capacity"/> sizes are kept. Images hold a lease while they use a lattice: an evicted lattice
/// goes back to the backend's pool when its last lease ends, never under an image still in flight. Lattices still
/// cached when the backend is disposed go with the backend's other buffers.
/// </remarks>
internal sealed class DeviceLatticeCache
{
    private const int Capacity = 4;
    private static readonly ConditionalWeakTable<VulkanBackend, DeviceLatticeCache> PerBackend = new();
    private readonly LinkedList<Entry> _recent = new();

    public static DeviceLatticeCache Of(VulkanBackend vulkan) => PerBackend.GetValue(vulkan, _ => new DeviceLatticeCache());

    internal sealed class Entry(object key, DeviceLattice lattice)
    {
        public object Key { get; } = key;
        public DeviceLattice Lattice { get; } = lattice;
        public int Leases;
        public bool Evicted;
    }

    /// <summary>An image's use of a cached lattice; disposing it ends the use.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly DeviceLatticeCache _cache;
        private Entry? _entry;

        internal Lease(DeviceLatticeCache cache, Entry entry)
        {
            _cache = cache;
            _entry = entry;
        }

        public DeviceLattice Lattice => (_entry ?? throw new ObjectDisposedException(nameof(Lease))).Lattice;

        public void Dispose()
        {
            DeviceLattice? release = null;
            lock (_cache._recent)
            {
                if (_entry is null) return;
                if (--_entry.Leases == 0 && _entry.Evicted) release = _entry.Lattice;
                _entry = null;
            }
            release?.Dispose();
        }
    }

    /// <summary>
    /// A lease on the lattice cached under <paramref name="key"/>, built with <paramref name="build"/> when it is not
    /// there; null when <paramref name="build"/> gives null (the device cannot hold it).
    /// </summary>
    public Lease? Get(object key, Func<DeviceLattice?> build)
    {
        lock (_recent)
        {
            var cached = FindEntry(key);
            if (cached is not null) return Take(cached);
        }
        // Built outside the lock: another image may build the same size meanwhile, and the first one in is kept.
        var built = build();
        if (built is null) return null;
        // Lattices no image will use any more: a duplicate build, evicted entries without leases.
        var unused = new List<DeviceLattice>();
        Lease lease;
        lock (_recent)
        {
            var entry = FindEntry(key);
            if (entry is not null)
            {
                unused.Add(built);
            }
            else
            {
                entry = new Entry(key, built);
                _recent.AddFirst(entry);
                while (_recent.Count > Capacity)
                {
                    var last = _recent.Last!.Value;
                    _recent.RemoveLast();
                    last.Evicted = true;
                    if (last.Leases == 0) unused.Add(last.Lattice);
                }
            }
            lease = Take(entry);
        }
        foreach (var lattice in unused) lattice.Dispose();
        return lease;
    }

    /// <summary>A new lease on <paramref name="entry"/>; the caller holds the lock.</summary>
    private Lease Take(Entry entry)
    {
        entry.Leases++;
        return new Lease(this, entry);
    }

    /// <summary>The entry under <paramref name="key"/>, moved to the front; the caller holds the lock.</summary>
    private Entry? FindEntry(object key)
    {
        for (var node = _recent.First; node is not null; node = node.Next)
        {
            if (!node.Value.Key.Equals(key)) continue;
            _recent.Remove(node);
            _recent.AddFirst(node);
            return node.Value;
        }
        return null;
    }
}
