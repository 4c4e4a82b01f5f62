// K x K confusion counting shared by confusion_matrix.hlsl (label maps in) and threshold_confusion.hlsl (CAMs in).
// Rows = ground truth, columns = prediction. Ground-truth 255 is never counted; a predicted 255 counts as
// background (chainercv's eval_sem_seg) or is skipped (wsgcn/icd) by push constant. Each workgroup counts into a
// shared K x K table (K <= 64) and flushes it with one global atomic per non-zero cell; label maps are piecewise
// constant, so a run of equal (gt, prediction) keys is added at once.
// The including shader declares pc (with classCount and predictedIgnoreAsBackground) and
//   RWStructuredBuffer<uint> counts: K*K counters, then the smallest out-of-range ground-truth label and the
//   smallest out-of-range predicted label seen (both filled with 0xFFFFFFFF by the host, which reports them as
//   bad input).
#define SHARED_CLASSES 64
#define NO_KEY 0xFFFFFFFFu

groupshared uint table[SHARED_CLASSES * SHARED_CLASSES];

void Add(uint key, uint count, bool useShared)
{
    if (useShared) InterlockedAdd(table[key], count);
    else InterlockedAdd(counts[key], count);
}

// Every thread of the group calls this first: clears the shared table; returns whether it is used (K <= 64).
bool BeginCounting(uint localIndex)
{
    uint k = pc.classCount;
    bool useShared = k <= SHARED_CLASSES;
    uint cells = useShared ? k * k : 0u;
    for (uint s = localIndex; s < cells; s += GROUP_SIZE) table[s] = 0;
    GroupMemoryBarrierWithGroupSync();
    return useShared;
}

// One pixel with ground truth g and prediction q, extending the thread's current run of equal keys.
void CountPixel(uint g, uint q, inout uint runKey, inout uint runCount, bool useShared)
{
    uint k = pc.classCount;
    if (g == 255u) return;
    if (g >= k)
    {
        InterlockedMin(counts[k * k], g);
        return;
    }
    if (q == 255u)
    {
        if (pc.predictedIgnoreAsBackground == 0) return;
        q = 0;
    }
    if (q >= k)
    {
        InterlockedMin(counts[k * k + 1], q);
        return;
    }
    uint key = g * k + q;
    if (key != runKey)
    {
        if (runCount != 0) Add(runKey, runCount, useShared);
        runKey = key;
        runCount = 0;
    }
    runCount++;
}

// Every thread of the group calls this last: adds the shared table to the global counts.
void FlushCounting(uint localIndex, bool useShared)
{
    GroupMemoryBarrierWithGroupSync();
    uint k = pc.classCount;
    uint cells = useShared ? k * k : 0u;
    for (uint t = localIndex; t < cells; t += GROUP_SIZE)
    {
        uint c = table[t];
        if (c != 0) InterlockedAdd(counts[t], c);
    }
}
