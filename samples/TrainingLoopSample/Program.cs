// How training code calls the engine in memory: CAMs from the network in, pseudo labels and a score out, with one
// backend kept warm across iterations. Here the "network" is the embedded synthetic sample.
using WsssGpuRefine;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Datasets.Synthetic;

var items = SyntheticVocSample.Generate();
using var labeler = new PseudoLabeler(BackendPreference.Auto, Console.Error.WriteLine);
Console.WriteLine($"backend: {labeler.Backend.DeviceName}");

for (int epoch = 0; epoch < 2; epoch++)
{
    var seeds = new List<(LabelMap, LabelMap)>();
    var refined = new List<(LabelMap, LabelMap)>();
    foreach (var item in items)
    {
        // 1. CAM -> seed label (IRN's threshold rule).
        seeds.Add((labeler.Threshold(item.Cams, 0.15), item.GroundTruth));
        // 2. Random walk on the stride-4 CAM with the training-free image affinity, then the irn CRF.
        var walk = labeler.RandomWalk(item.LowResCams, PseudoLabeler.ImageAffinity(item.Image), item.Image.Height, item.Image.Width);
        var label = labeler.Crf(item.Image, labeler.Scores(walk.Scores, 0.25), "irn");
        refined.Add((label, item.GroundTruth));
    }
    Console.WriteLine($"epoch {epoch}: seed mIoU {100 * labeler.Score(seeds).MeanIou:F2} %, refined mIoU {100 * labeler.Score(refined).MeanIou:F2} %");
}
