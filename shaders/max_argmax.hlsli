// Shared by the CAM-to-label kernels: the per-pixel max over C channel-major maps and the FIRST
// channel reaching it (strictly-greater updates keep the lowest index, as numpy's argmax and the
// CPU path do). With no channel, max = -infinity and argmax = 0.

// One image piece: a run of pixels of one image whose maps were packed as C rows of pixelCount floats.
#define PIECE_STRIDE 8
#define PIECE_MAP_OFFSET 0
#define PIECE_PIXELS 1
#define PIECE_CHANNELS 2
#define PIECE_LABEL_OFFSET 3
#define PIECE_OUT_OFFSET 4

#define GROUP_SIZE 256

void MaxArgmax(StructuredBuffer<float> maps, uint mapOffset, uint channels, uint pixels, uint p,
               out float m, out uint a)
{
    a = 0;
    if (channels == 0)
    {
        m = -1.0f / 0.0f;
        return;
    }
    m = maps[mapOffset + p];
    for (uint c = 1; c < channels; c++)
    {
        float v = maps[mapOffset + c * pixels + p];
        if (v > m)
        {
            m = v;
            a = c;
        }
    }
}
