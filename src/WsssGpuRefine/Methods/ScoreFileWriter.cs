using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Npy;

namespace WsssGpuRefine.Methods;

/// <summary>Writes an image's scores (background channel first) in the layout a method's next step loads.</summary>
public static class ScoreFileWriter
{
    /// <summary>Writes <paramref name="scores"/> as a <c>.npy</c> in <paramref name="layout"/>.</summary>
    /// <param name="stream">Destination; left open.</param>
    /// <param name="scores">Channel 0 is the background (label id 0), then the present classes by VOC id.</param>
    /// <param name="layout">Plain (C+1, H, W) array, {0: bg, c+1: map} dict, or Puzzle-CAM's {"keys", "rw"}.</param>
    /// <exception cref="ArgumentException">The scores do not start with a background channel.</exception>
    public static void Write(Stream stream, ClassMaps scores, ScoreFileLayout layout)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Channels == 0 || scores.LabelIds[0] != 0)
            throw new ArgumentException("score maps must start with the background channel (label id 0)", nameof(scores));
        int n = scores.PixelCount, h = scores.Height, w = scores.Width;
        switch (layout)
        {
            case ScoreFileLayout.Array:
                NpyWriter.WriteFloat32(stream, scores.Data, scores.Channels, h, w);
                break;
            case ScoreFileLayout.BgFgDict:
                NpyDictWriter.Write(stream, scores.LabelIds.Select((id, k) =>
                    new KeyValuePair<int, NpyDictWriter.Array>(id, NpyDictWriter.Array.Float32(scores.Channel(k).ToArray(), h, w))));
                break;
            case ScoreFileLayout.PuzzleCamRw:
                // Puzzle-CAM's keys hold the background id 0 first; its rw holds the foreground channels only
                // (OFRIN/PuzzleCAM inference_rw.py:168, make_pseudo_labels.py:90-93).
                NpyDictWriter.Write(stream, new KeyValuePair<string, NpyDictWriter.Array>[]
                {
                    new("keys", NpyDictWriter.Array.Int64(scores.LabelIds.Select(id => (long)id).ToArray(), scores.Channels)),
                    new("rw", NpyDictWriter.Array.Float32(scores.Data.AsSpan(n).ToArray(), scores.Channels - 1, h, w)),
                });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(layout));
        }
    }

    /// <summary>The CLI name of a layout: "array", "bg-fg" or "puzzlecam".</summary>
    public static string Name(ScoreFileLayout layout) => layout switch
    {
        ScoreFileLayout.Array => "array",
        ScoreFileLayout.BgFgDict => "bg-fg",
        ScoreFileLayout.PuzzleCamRw => "puzzlecam",
        _ => throw new ArgumentOutOfRangeException(nameof(layout)),
    };

    /// <summary>Parses a CLI name (case-insensitive); ArgumentException otherwise.</summary>
    public static ScoreFileLayout Parse(string name) =>
        Enum.GetValues<ScoreFileLayout>().FirstOrDefault(l => string.Equals(Name(l), name, StringComparison.OrdinalIgnoreCase), (ScoreFileLayout)(-1)) is var l && Enum.IsDefined(l)
            ? l : throw new ArgumentException($"unknown score layout '{name}' (array, bg-fg, puzzlecam)");
}
