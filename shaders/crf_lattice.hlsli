// Shared by the crf_lattice_* kernels: the GPU permutohedral lattice's hash table.
// A key is at most 8 lattice coordinates of 16 bits (the d+1-th is implied by the zero sum), packed two per
// uint into KEY_WORDS words (coordinate i in word i/2, bits 16*(i%2)), exactly the CPU's 16-bit lanes
// (src/WsssGpuRefine/Crf/PermutohedralLattice.cs Pack). The table is open addressing with linear probing over a
// power-of-two slot array: a slot is EMPTY_SLOT or (index of the corner that claimed it) + 1, and the key is read
// from that corner's entry in cornerKeys (written by an earlier dispatch). So a slot is one 32-bit word claimed
// with one compare-and-swap (core Vulkan 1.1: 32-bit storage-buffer atomics only, no 64-bit or float atomics)
// and no thread ever waits for another's key.
// Note: an OpMemoryBarrier (DeviceMemoryBarrier) anywhere in such a kernel made Mesa 22.3 lavapipe drop the
// invocation's later work; this design needs none.
#define KEY_WORDS 4
#define EMPTY_SLOT 0u

uint HashKey(uint4 key)
{
    // murmur3's finaliser over the four words: every key bit reaches the masked low bits.
    uint h = key.x;
    h = (h ^ (h >> 16)) * 0x85EBCA6Bu ^ key.y;
    h = (h ^ (h >> 13)) * 0xC2B2AE35u ^ key.z;
    h = (h ^ (h >> 16)) * 0x85EBCA6Bu ^ key.w;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

uint4 LoadKey(StructuredBuffer<uint> keys, uint index)
{
    return uint4(keys[index * KEY_WORDS + 0], keys[index * KEY_WORDS + 1], keys[index * KEY_WORDS + 2], keys[index * KEY_WORDS + 3]);
}
