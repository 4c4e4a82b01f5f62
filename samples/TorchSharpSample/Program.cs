// A TorchSharp CAM batch (B, C, H, W) fed to PseudoLabeler without a copy: a contiguous float32 CPU tensor's storage
// becomes the engine's input in place (ClassMaps over Memory<float>); any other tensor is copied once (TensorCams).
// The "network" is the engine's synthetic VOC sample, written into a tensor as a 20-class VOC head would output it.
// Exit code 0 only when every check holds: the contiguous path took no copy, the engine read the tensor's own
// memory, and the copy fallback gave the same labels.
using TorchSharp;
using TorchSharpSample;
using WsssGpuRefine;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Datasets.Synthetic;
using static TorchSharp.torch;

int images = 8;
var preference = BackendPreference.Cpu;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--images" when i + 1 < args.Length: images = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--backend" when i + 1 < args.Length: preference = Enum.Parse<BackendPreference>(args[++i], ignoreCase: true); break;
        default: Console.Error.WriteLine("usage: TorchSharpSample [--images N] [--backend cpu|vulkan|auto]"); return 2;
    }
}

const int Classes = 20, Height = 160, Width = 192;
const double Threshold = 0.15;
int[] vocHead = Enumerable.Range(1, Classes).ToArray();    // channel c carries VOC id c + 1
int failures = 0;
void Check(bool ok, string what)
{
    Console.WriteLine($"check: {(ok ? "ok  " : "FAIL")} {what}");
    if (!ok) failures++;
}

// The synthetic sample at one fixed size, so that its images stack into one batch.
var items = SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with
{
    Images = images, MinWidth = Width, MaxWidth = Width, MinHeight = Height, MaxHeight = Height,
});

// The network's output: a (B, 20, H, W) float32 CPU tensor, zero for the classes an image does not hold.
using var batch = zeros([images, Classes, Height, Width], ScalarType.Float32);
for (int b = 0; b < images; b++)
    for (int k = 0; k < items[b].Cams.Channels; k++)
        batch[b, items[b].Cams.LabelIds[k] - 1].copy_(tensor(items[b].Cams.Channel(k).ToArray(), [Height, Width]));
Console.WriteLine($"torch {__version__}, CAM batch {string.Join("x", batch.shape)} {batch.dtype} on {batch.device_type}, contiguous: {batch.is_contiguous()}");

using var labeler = new PseudoLabeler(preference, Console.Error.WriteLine);
Console.WriteLine($"backend: {labeler.Backend.DeviceName}");

var cams = TensorCams.From(batch);
Check(!cams.Copied, "contiguous float32 CPU tensor wrapped without a copy");
long perImage = (long)Classes * Height * Width;
var seeds = new List<(LabelMap, LabelMap)>();
var refined = new List<(LabelMap, LabelMap)>();
var seedLabels = new LabelMap[images];
for (int b = 0; b < images; b++)
{
    var maps = cams.Image(b, vocHead);
    unsafe
    {
        fixed (float* seen = maps.Values.Span)
            Check(seen == TensorCams.TensorMemory.StoragePointer(batch) + b * perImage,
                $"image {b}: the engine reads the tensor storage itself, at offset {b * perImage} floats");
    }
    seedLabels[b] = labeler.Threshold(maps, Threshold);
    seeds.Add((seedLabels[b], items[b].GroundTruth));
    refined.Add((labeler.Crf(items[b].Image, labeler.Scores(maps, Threshold), "irn"), items[b].GroundTruth));
}
Console.WriteLine($"seed (threshold {Threshold}) mIoU: {100 * labeler.Score(seeds).MeanIou:F2} %");
Console.WriteLine($"refined (threshold {Threshold} + CRF irn) mIoU: {100 * labeler.Score(refined).MeanIou:F2} %");

// The fallback: a channels-last view (non-contiguous) and a float64 tensor are copied once, with the same labels.
using (var channelsLast = batch.permute(0, 2, 3, 1).contiguous())
using (var view = channelsLast.permute(0, 3, 1, 2))
using (var doubles = batch.to(ScalarType.Float64))
{
    foreach (var (name, t) in new[] { ("non-contiguous (channels-last) view", view), ("float64 tensor", doubles) })
    {
        var copied = TensorCams.From(t);
        bool same = Enumerable.Range(0, images).All(b =>
            labeler.Threshold(copied.Image(b, vocHead), Threshold).Labels.AsSpan().SequenceEqual(seedLabels[b].Labels));
        Check(copied.Copied && same, $"{name}: one copy, the same seed labels");
    }
}

// The engine reads the tensor in place: clearing image 0 in the tensor turns its seed (same ClassMaps object) to background.
var first = cams.Image(0, vocHead);
bool hadForeground = labeler.Threshold(first, Threshold).Labels.Any(l => l != 0);
batch[0].zero_();
Check(hadForeground && labeler.Threshold(first, Threshold).Labels.All(l => l == 0),
    "zeroing the tensor in place changes what the engine reads (no hidden copy)");

Console.WriteLine(failures == 0 ? "all checks passed" : $"{failures} check(s) failed");
return failures == 0 ? 0 : 1;
