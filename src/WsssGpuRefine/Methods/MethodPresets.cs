using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Metrics;

namespace WsssGpuRefine.Methods;

/// <summary>
/// Every seed method's <c>--method</c> preset in one table. Each value cites the upstream line that sets it
/// (repository/path:line at the commits listed in docs/methods.md).
/// </summary>
public static class MethodPresets
{
    private const string Irn = "jiwoon-ahn/irn";
    private static readonly Cited<LabelPngFlavour> ImageioGray = new(LabelPngFlavour.Gray, "jiwoon-ahn/irn step/eval_sem_seg.py:14 (imageio.imread of the label PNG)");
    private static readonly Cited<ScoreFileLayout> PlainScores = new(ScoreFileLayout.Array, "no upstream script saves post-processed scores");
    private static readonly Cited<bool> AllObjects = new(true, "jiwoon-ahn/irn voc12/dataloader.py:33 (every <name> of the XML)");

    /// <summary>IRN's settings, which CONTA, RPNet, CDA and WSGCN's IRN stage copy (each cites its own run_sample.py).</summary>
    private static MethodPreset IrnFamily(string name, string title, string repo, string runSample, int evalLine, int fgLine, int betaLine) => new()
    {
        Name = name,
        Title = title,
        Format = new(name == "irn" ? "irn" : name, $"{repo} {Path(runSample, "make_cam.py")} (np.save of keys/cam/high_res)"),
        EvalThreshold = new(0.15, $"{repo} {runSample}:{evalLine}"),
        Metric = new(SegmentationMetric.Chainercv, $"{Irn} step/eval_cam.py:21 (chainercv calc_semantic_segmentation_confusion, nanmean)"),
        EvalData = new("SegmentationClass, train.txt (chainer_eval_set train)", $"{Irn} run_sample.py:21"),
        IrLabel = new((0.30f, 0.05f), $"{repo} {runSample}:{fgLine}-{fgLine + 1}"),
        Crf = new("irn", $"{Irn} step/cam_to_ir_label.py:29 (imutils.crf_inference_label)"),
        RandomWalk = new(name, $"{repo} {runSample}:{betaLine} (beta 10, exp_times 8, sem_seg_bg_thres 0.25)"),
        Png = ImageioGray,
        Scores = PlainScores,
        CountDifficult = AllObjects,
        Scripts = IrnScripts(repo, name),
    };

    private static string Path(string runSample, string step) =>
        runSample.Contains('/') ? runSample[..(runSample.LastIndexOf('/') + 1)] + "step/" + step : "step/" + step;

    private static ScriptReplacement[] IrnScripts(string repo, string method) =>
    [
        new($"{repo} step/eval_cam.py", $"wsss eval --method {method} --cams result/cam --gt VOC2012/SegmentationClass --list voc12/train.txt"),
        new($"{repo} step/cam_to_ir_label.py", $"wsss refine --method {method} --cams result/cam --images VOC2012/JPEGImages --list voc12/train_aug.txt --out result/ir_label"),
        new($"{repo} step/make_sem_seg_labels.py", $"wsss refine --method {method} --cams result/cam --images VOC2012/JPEGImages --list voc12/train.txt --out result/sem_seg --rw boundary:result/boundary"),
        new($"{repo} step/eval_sem_seg.py", $"wsss eval --method {method} --labels result/sem_seg --gt VOC2012/SegmentationClass --list voc12/train.txt"),
    ];

    private static ScriptReplacement[] PsaScripts(string repo, string method, string cam, string rw) =>
    [
        new($"{repo} infer_cls.py (--out_la_crf/--out_ha_crf)", $"wsss refine --method {method} --cams {cam} --images VOC2012/JPEGImages --list train_aug.txt --out la_ha --save-scores"),
        new($"{repo} infer_aff.py", $"wsss refine --method {method} --cams {cam} --images VOC2012/JPEGImages --list train.txt --out {rw} --rw features:aff_features"),
    ];

    /// <summary>Every preset, in the order of the README's method list.</summary>
    public static IReadOnlyList<MethodPreset> All { get; } =
    [
        new()
        {
            Name = "psa", Title = "AffinityNet / PSA (jiwoon-ahn/psa)",
            Format = new("psa", "jiwoon-ahn/psa infer_cls.py:83 (np.save of {fg class: map})"),
            EvalThreshold = new(0.2, "jiwoon-ahn/psa infer_cls.py:86 (out_cam_pred background 0.2; PSA has no evaluation script)"),
            Metric = new(SegmentationMetric.Chainercv, "PSA ships no evaluation script; chainercv as in the IRN family"),
            LaHa = new((4f, 32f), "jiwoon-ahn/psa infer_cls.py:25-26"),
            Crf = new("psa", "jiwoon-ahn/psa tool/imutils.py:213-215"),
            RandomWalk = new("psa", "jiwoon-ahn/psa infer_aff.py:59-62 (alpha 16, beta 8, logt 8)"),
            Png = new(LabelPngFlavour.Gray, "jiwoon-ahn/psa infer_aff.py:122 (scipy.misc.imsave of a uint8 map)"),
            Scores = new(ScoreFileLayout.BgFgDict, "jiwoon-ahn/psa infer_cls.py:106,110 (np.save of the {0: bg, c+1: prob} CRF dicts)"),
            CountDifficult = new(true, "jiwoon-ahn/psa voc12/make_cls_labels.py (every object of the XML)"),
            Scripts = PsaScripts("jiwoon-ahn/psa", "psa", "out_cam", "out_rw"),
        },
        new()
        {
            Name = "icd", Title = "ICD (js-fan/ICD)",
            Format = new("icd", "js-fan/ICD run_icd.py:193-194 (scores_cam, scores_icd)"),
            EvalThreshold = new(0.0, "js-fan/ICD run_icd.py (an ICD score > 0 is foreground)"),
            Metric = new(SegmentationMetric.Icd, "js-fan/ICD compute_iou.py:7"),
            EvalData = new("SegmentationClassAug, train_aug.txt", "js-fan/ICD compute_iou.py:44-47"),
            IcdSeeds = new(true, "js-fan/ICD run_icd.py:221-286"),
            Crf = new("icd", "js-fan/ICD run_icd.py:285 (255 where max Q < 0.1)"),
            Png = new(LabelPngFlavour.Gray, "js-fan/ICD run_icd.py:286 (cv2 imwrite of the seed map)"),
            Scores = PlainScores,
            CountDifficult = new(false, "js-fan/ICD core/utils/dataset_tools.py:41,48-49 (non-difficult objects only; the difficult ones where an image has no other)"),
            Scripts =
            [
                new("js-fan/ICD run_icd.py (seeds + CRF)", "wsss refine --method icd --cams results/scores_cam --icd-seeds results/scores_icd --cls-labels VOC2012/Annotations --images VOC2012/JPEGImages --list train_aug.txt --out results/crf"),
                new("js-fan/ICD compute_iou.py", "wsss eval --method icd --labels results/crf --gt VOC2012/SegmentationClassAug --list train_aug.txt"),
            ],
        },
        IrnFamily("irn", "IRN (jiwoon-ahn/irn)", Irn, "run_sample.py", 30, 35, 47),
        new()
        {
            Name = "ssdd", Title = "SSDD (shimoda-uec/ssdd)",
            Format = new("psa", "shimoda-uec/ssdd prepare_labels/make_cam_labels.py:80 (out_cam: PSA's {fg class: map}; out_aff/out_aff_crf: --format ssdd)"),
            EvalThreshold = new(0.2, "PSA's out_cam_pred background (jiwoon-ahn/psa infer_cls.py:86); SSDD has no CAM evaluation"),
            Metric = new(SegmentationMetric.Chainercv, "SSDD ships no seed evaluation; chainercv as in the IRN family"),
            LaHa = new((4f, 32f), "jiwoon-ahn/psa infer_cls.py:25-26 (SSDD prepares its labels with PSA's code)"),
            Crf = new("psa", "shimoda-uec/ssdd prepare_labels/make_aff_labels.py:122 (imutils.crf_inference)"),
            RandomWalk = new("ssdd", "shimoda-uec/ssdd prepare_labels/make_aff_labels.py:51-53"),
            Png = new(LabelPngFlavour.Palette, "shimoda-uec/ssdd prepare_labels/make_aff_labels.py:42 (mask.putpalette)"),
            Scores = new(ScoreFileLayout.BgFgDict, "shimoda-uec/ssdd prepare_labels/make_aff_labels.py:117; train_sssdd.py:47-48 (out_aff dict)"),
            CountDifficult = AllObjects,
            Scripts =
            [
                new("shimoda-uec/ssdd prepare_labels/make_aff_labels.py", "wsss refine --method ssdd --cams results/out_cam --images VOC2012/JPEGImages --list train_aug.txt --out results/out_aff --rw features:aff_features --save-scores"),
            ],
        },
        new()
        {
            Name = "seam", Title = "SEAM (YudeWang/SEAM)",
            Format = new("seam", "YudeWang/SEAM infer_SEAM.py:85"),
            EvalSweep = new("0:0.59:0.01", "YudeWang/SEAM evaluation.py:125 (--curve: i/100 for i in range(60))"),
            EvalThreshold = new(0.26, "YudeWang/SEAM infer_SEAM.py:28 (out_cam_pred_alpha)"),
            Metric = new(SegmentationMetric.Seam, "YudeWang/SEAM evaluation.py:37-48,63"),
            EvalData = new("SegmentationClass, train.txt", "YudeWang/SEAM evaluation.py"),
            LaHa = new((4f, 24f), "YudeWang/SEAM infer_SEAM.py:31 (crf_alpha = [4,24])"),
            Crf = new("psa", "YudeWang/SEAM tool/imutils.py (PSA's crf_inference)"),
            RandomWalk = new("seam", "YudeWang/SEAM infer_aff.py:59-62 (alpha 6, beta 8, logt 6)"),
            Png = new(LabelPngFlavour.Gray, "YudeWang/SEAM infer_aff.py:156 (scipy.misc.imsave of a uint8 map)"),
            Scores = new(ScoreFileLayout.BgFgDict, "YudeWang/SEAM infer_SEAM.py:98-112 ({0: bg, key+1: prob} in out_crf_4.0 / _24.0)"),
            CountDifficult = new(true, "YudeWang/SEAM voc12/make_cls_labels.py (PSA's, every object)"),
            Scripts =
            [
                new("YudeWang/SEAM evaluation.py --curve", "wsss eval --method seam --cams out_cam --gt VOC2012/SegmentationClass --list voc12/train.txt"),
                .. PsaScripts("YudeWang/SEAM", "seam", "out_cam", "out_rw"),
            ],
        },
        new()
        {
            Name = "sccam", Title = "SC-CAM (Juliachang/SC-CAM)",
            Format = new("sccam", "Juliachang/SC-CAM infer_cls.py:139 (values mutated to {0, 255} before the save)"),
            EvalThreshold = new(0.15, "Juliachang/SC-CAM infer_cls.py:40 (--th)"),
            Metric = new(SegmentationMetric.GtPresent, "Juliachang/SC-CAM tool/iouutils.py (mean over classes present in the GT)"),
            EvalData = new("SegmentationClassAug, train.txt", "Juliachang/SC-CAM infer_cls.py:132"),
            LaHa = new((4f, 32f), "Juliachang/SC-CAM infer_cls.py:37-38 (computed, not saved: l.159,161)"),
            Crf = new("psa", "Juliachang/SC-CAM tool/imutils.py (PSA's crf_inference)"),
            RandomWalk = new("psa", "SC-CAM uses PSA's random walk (jiwoon-ahn/psa infer_aff.py:59-62)"),
            Png = new(LabelPngFlavour.Palette, "SC-CAM writes no label PNGs of its own; PSA's readers use PIL"),
            Scores = new(ScoreFileLayout.BgFgDict, "Juliachang/SC-CAM infer_cls.py:159,161 (the commented-out la/ha dict saves)"),
            CountDifficult = AllObjects,
            Scripts = [new("Juliachang/SC-CAM infer_cls.py (mIoU print)", "wsss eval --method sccam --cams output_CAM_npy/cls_20 --gt VOC2012/SegmentationClassAug --list train.txt")],
        },
        new()
        {
            Name = "rrm", Title = "RRM (zbf1991/RRM)",
            Format = new("psa", "zbf1991/RRM trains on PSA's out_cam dicts; it saves no dumps of its own"),
            Metric = new(SegmentationMetric.Chainercv, "RRM ships no seed evaluation"),
            LaHa = new((4f, 32f), "zbf1991/RRM tool/myTool.py:23-76 (online la/ha CRFs)"),
            Crf = new("psa", "zbf1991/RRM tool/myTool.py (PSA's crf_inference)"),
            Png = new(LabelPngFlavour.Gray, "zbf1991/RRM infer_RRM.py (uint8 prediction PNGs)"),
            Scores = PlainScores,
            CountDifficult = AllObjects,
            // RRM computes its training labels online (tool/myTool.py compute_seg_label); infer_RRM.py runs the trained
            // segmentation network, which is not CAM post-processing.
            Scripts =
            [
                new("zbf1991/RRM tool/myTool.py:23-76 (compute_seg_label: la/ha CRFs and reliable regions, online during training)",
                    "wsss refine --method rrm --reliable-regions rrm --cams out_cam --images VOC2012/JPEGImages --list train_aug.txt --out seg_labels"),
                new("zbf1991/RRM tool/myTool.py:39-44 (its la/ha CRF labels alone)",
                    "wsss refine --method rrm --cams out_cam --images VOC2012/JPEGImages --list train_aug.txt --out la_ha"),
            ],
        },
        new()
        {
            Name = "bes", Title = "BES (mt-cly/BES)",
            Format = new("bes", "mt-cly/BES step/make_cam.py (IRN's np.save of keys/cam/high_res)"),
            EvalThreshold = new(0.11, "mt-cly/BES run_sample.py:47"),
            Metric = new(SegmentationMetric.Chainercv, "mt-cly/BES step/eval_cam.py (IRN's chainercv evaluation)"),
            EvalData = new("SegmentationClass, train.txt", "mt-cly/BES run_sample.py"),
            IrLabel = new((0.30f, 0.07f), "mt-cly/BES run_sample.py:51-52"),
            Crf = new("irn", "mt-cly/BES misc/imutils.py (IRN's crf_inference_label)"),
            RandomWalk = new("bes", "mt-cly/BES run_sample.py:70-74 (beta 5, exp_times 8, bg 0.25)"),
            RandomWalkCrf = new("preset=bes", "mt-cly/BES step/make_sem_seg.py:56 (crf_inference_label with sxy=20 for <id>_crf.png)"),
            CrfLabelSuffix = new("_crf", "mt-cly/BES step/make_sem_seg.py:52-60 (the walk's <id>.png, which step/eval_sem_seg.py:15 scores; the CRF's <id>_crf.png)"),
            Png = new(LabelPngFlavour.Gray, "BES's next steps read labels with imageio (IRN's voc12/dataloader.py:232)"),
            Scores = PlainScores,
            CountDifficult = AllObjects,
            Scripts =
            [
                new("mt-cly/BES step/eval_cam.py", "wsss eval --method bes --cams result/cam --gt VOC2012/SegmentationClass --list voc12/train.txt"),
                new("mt-cly/BES step/make_sem_seg.py", "wsss refine --method bes --cams result/cam --images VOC2012/JPEGImages --list voc12/train_aug.txt --out result/sem_seg --rw boundary:result/sem_seg"),
                new("mt-cly/BES step/eval_sem_seg.py", "wsss eval --method bes --labels result/sem_seg --gt VOC2012/SegmentationClass --list voc12/train.txt"),
            ],
        },
        IrnFamily("conta", "CONTA (dongzhang89/CONTA)", "dongzhang89/CONTA", "pseudo_mask/run_sample.py", 30, 35, 47),
        new()
        {
            Name = "puzzlecam", Title = "Puzzle-CAM (OFRIN/PuzzleCAM)",
            Format = new("puzzlecam", "OFRIN/PuzzleCAM inference_classification.py (np.save of keys/cam/hr_cam)"),
            EvalSweep = new("0.05:0.75:0.05", "OFRIN/PuzzleCAM evaluate.py:187 (np.arange(0.05, 0.80, 0.05) for hr_cam)"),
            EvalSweepRandomWalk = new("0.05:0.45:0.05", "OFRIN/PuzzleCAM evaluate.py:22,140 (--mode rw: np.arange(0.05, --max_th 0.50, 0.05), then Best/Over/Under, l.159-180)"),
            Metric = new(SegmentationMetric.Seam, "OFRIN/PuzzleCAM evaluate.py:61-73"),
            EvalData = new("SegmentationClass, train.txt, images 0, 8, 16, ... (--shard 0/8)", "OFRIN/PuzzleCAM evaluate.py:39-40,87"),
            IrLabel = new((0.30f, 0.05f), "OFRIN/PuzzleCAM make_affinity_labels.py:55-56"),
            Crf = new("irn", "OFRIN/PuzzleCAM make_affinity_labels.py:102 (crf_inference_label)"),
            RandomWalk = new("puzzlecam", "OFRIN/PuzzleCAM inference_rw.py:62-63; make_pseudo_labels.py:55 (bg 0.25)"),
            RandomWalkCrf = new("preset=irn;iters=10", "OFRIN/PuzzleCAM make_pseudo_labels.py:56,98"),
            Png = new(LabelPngFlavour.Gray, "OFRIN/PuzzleCAM make_pseudo_labels.py:101 (imageio.imwrite of uint8); core/datasets.py reads with imageio"),
            Scores = new(ScoreFileLayout.PuzzleCamRw, "OFRIN/PuzzleCAM inference_rw.py:168"),
            CountDifficult = AllObjects,
            Scripts =
            [
                new("OFRIN/PuzzleCAM evaluate.py", "wsss eval --method puzzlecam --cams experiments/predictions/NAME --gt VOC2012/SegmentationClass --list train.txt --shard 0/8"),
                new("OFRIN/PuzzleCAM make_affinity_labels.py", "wsss refine --method puzzlecam --cams experiments/predictions/NAME --images VOC2012/JPEGImages --list train_aug.txt --out aff_labels"),
                new("OFRIN/PuzzleCAM inference_rw.py + make_pseudo_labels.py", "wsss refine --method puzzlecam --cams experiments/predictions/NAME --images VOC2012/JPEGImages --list train_aug.txt --out pseudo --rw boundary:edges --save-scores"),
            ],
        },
        new()
        {
            Name = "puzzlecam-readme", Title = "Puzzle-CAM with its README's settings (OFRIN/PuzzleCAM)",
            Format = new("puzzlecam", "OFRIN/PuzzleCAM inference_classification.py"),
            EvalSweep = new("0.05:0.75:0.05", "OFRIN/PuzzleCAM evaluate.py:187"),
            EvalSweepRandomWalk = new("0.05:0.45:0.05", "OFRIN/PuzzleCAM evaluate.py:22,140 (--mode rw)"),
            Metric = new(SegmentationMetric.Seam, "OFRIN/PuzzleCAM evaluate.py:61-73"),
            EvalData = new("SegmentationClass, train.txt, images 0, 8, 16, ... (--shard 0/8)", "OFRIN/PuzzleCAM evaluate.py:39-40,87"),
            IrLabel = new((0.40f, 0.10f), "OFRIN/PuzzleCAM README.md:57"),
            Crf = new("irn", "OFRIN/PuzzleCAM make_affinity_labels.py:102"),
            RandomWalk = new("puzzlecam-readme", "OFRIN/PuzzleCAM README.md:69 (--threshold 0.35)"),
            RandomWalkCrf = new("preset=irn;iters=1", "OFRIN/PuzzleCAM README.md:69 (--crf_iteration 1)"),
            Png = new(LabelPngFlavour.Gray, "OFRIN/PuzzleCAM make_pseudo_labels.py:101"),
            Scores = new(ScoreFileLayout.PuzzleCamRw, "OFRIN/PuzzleCAM inference_rw.py:168"),
            CountDifficult = AllObjects,
        },
        new()
        {
            Name = "vwe", Title = "VWE (rulixiang/vwe)",
            Format = new("vwe", "rulixiang/vwe infer_cam.py (all-numpy keys/cam/high_res dict)"),
            EvalThreshold = new(0.14, "rulixiang/vwe configs/voc.yaml:33 (bkgscore; v2/configs/voc.yaml:34 has 0.13)"),
            Metric = new(SegmentationMetric.GtPresent, "rulixiang/vwe eval_cam.py (mean over classes present in the GT)"),
            EvalData = new("SegmentationClassAug, train.txt", "rulixiang/vwe eval_cam.py:27"),
            RefineThreshold = new(0.15, "rulixiang/vwe v2/crf.py:13,144 (--bkgscore 0.15 before the softmax)"),
            RefineCrf = new("preset=vwe", "rulixiang/vwe v2/crf.py:123-130,164-167 (DenseCRF on the softmax of [bkgscore; high_res])"),
            RandomWalk = new("irn", "VWE hands its CAMs to IRN's random walk"),
            Png = new(LabelPngFlavour.Gray, "rulixiang/vwe v2/crf.py:183 (misc.imsave of the 2-D uint8 prediction; IRN's readers use imageio too)"),
            Scores = PlainScores,
            CountDifficult = AllObjects,
            Scripts =
            [
                new("rulixiang/vwe eval_cam.py", "wsss eval --method vwe --cams cam --gt VOC2012/SegmentationClassAug --list train.txt"),
                new("rulixiang/vwe v2/crf.py (pred/)", "wsss refine --method vwe --cams cam --images VOC2012/JPEGImages --list train.txt --out cam_crf/train/pred --gt VOC2012/SegmentationClassAug"),
            ],
        },
        new()
        {
            Name = "wsgcn", Title = "WSGCN (Xavier-Pan/WSGCN)",
            Format = new("wsgcn", "Xavier-Pan/WSGCN IRN/step/make_cam.py; GCN/train.py:77 (Logit dicts)"),
            EvalThreshold = new(0.15, "Xavier-Pan/WSGCN IRN/run_sample_for_gcn.py:44"),
            Metric = new(SegmentationMetric.Wsgcn, "Xavier-Pan/WSGCN GCN/eval.py:57-64 (predicted 255 masked out), 86 (nanmean)"),
            EvalData = new("SegmentationClassAug, train.txt", "Xavier-Pan/WSGCN IRN/run_sample_for_gcn.py:30"),
            IrLabel = new((0.30f, 0.05f), "Xavier-Pan/WSGCN IRN/run_sample_for_gcn.py:49-50"),
            Crf = new("irn", "Xavier-Pan/WSGCN IRN/step/cam_to_ir_label.py (IRN's crf_inference_label)"),
            RandomWalk = new("wsgcn", "Xavier-Pan/WSGCN IRN/run_sample_for_gcn.py:61-66"),
            Png = new(LabelPngFlavour.Palette, "Xavier-Pan/WSGCN GCN/CRF.py:82 (mode=\"P\" PNGs)"),
            Scores = new(ScoreFileLayout.BgFgDict, "Xavier-Pan/WSGCN GCN/train.py:77; GCN/CRF.py:76 (Logit / CRF_Logit dicts)"),
            CountDifficult = AllObjects,
            Scripts =
            [
                new("Xavier-Pan/WSGCN GCN/CRF.py", "wsss refine --method wsgcn --cams data/GCN4DeepLab/Logit --images VOC2012/JPEGImages --list train.txt --out CRF_Label --crf wsgcn-final --save-scores"),
                new("Xavier-Pan/WSGCN GCN/eval.py", "wsss eval --method wsgcn --labels CRF_Label --gt VOC2012/SegmentationClassAug --list train.txt"),
            ],
        },
        new()
        {
            Name = "cpn", Title = "CPN (Ferenas/CPN)",
            Format = new("cpn", "Ferenas/CPN infer_cam.py (SEAM's dict, halved)"),
            EvalSweep = new("0.20:0.59:0.01", "Ferenas/CPN evaluation_cam.py:134 (i/100 for i in range(20, 60))"),
            Metric = new(SegmentationMetric.Seam, "Ferenas/CPN evaluation_cam.py:39-48"),
            EvalData = new("SegmentationClass, train.txt", "Ferenas/CPN evaluation_cam.py"),
            RandomWalk = new("irn", "CPN hands its CAMs to IRN's random walk"),
            Png = new(LabelPngFlavour.Palette, "CPN writes no label PNGs"),
            Scores = PlainScores,
            CountDifficult = AllObjects,
            Scripts = [new("Ferenas/CPN evaluation_cam.py --curve", "wsss eval --method cpn --cams out_cam --gt VOC2012/SegmentationClass --list train.txt")],
        },
        IrnFamily("rpnet", "RPNet (liuweide01/RPNet-Weakly-Supervised-Segmentation)", "liuweide01/RPNet-Weakly-Supervised-Segmentation", "run_sample.py", 30, 36, 48),
        new()
        {
            Name = "advcam", Title = "AdvCAM (jbeomlee93/AdvCAM)",
            Format = new("advcam", "jbeomlee93/AdvCAM obtain_CAM_masking.py (IRN's dict in result/cam_adv_mask)"),
            EvalSweep = new("0.15:0.34:0.01", "jbeomlee93/AdvCAM run_sample.py:111-112 (i/100 for i in range(15, 35))"),
            EvalThreshold = new(0.15, "jbeomlee93/AdvCAM run_sample.py:40"),
            Metric = new(SegmentationMetric.Chainercv, "jbeomlee93/AdvCAM step/eval_cam.py:35 (nanmean of chainercv IoU)"),
            EvalData = new("SegmentationClass, train.txt", "jbeomlee93/AdvCAM run_sample.py"),
            IrLabel = new((0.35f, 0.15f), "jbeomlee93/AdvCAM run_sample.py:45-46"),
            Crf = new("irn", "jbeomlee93/AdvCAM step/cam_to_ir_label.py (IRN's crf_inference_label)"),
            RandomWalk = new("advcam", "jbeomlee93/AdvCAM step/make_sem_seg_labels.py:42 (cam ** 1.5); run_sample.py:57-62"),
            Png = ImageioGray,
            Scores = PlainScores,
            CountDifficult = AllObjects,
            Scripts = IrnScripts("jbeomlee93/AdvCAM", "advcam"),
        },
        IrnFamily("cda", "CDA (suyukun666/CDA)", "suyukun666/CDA", "run_sample.py", 32, 37, 49),
        new()
        {
            Name = "ial", Title = "IAL (no public code: generic formats, explicit parameters)",
            Metric = new(SegmentationMetric.Chainercv, "no upstream code; the default metric"),
            Png = new(LabelPngFlavour.Palette, "no upstream code; the default flavour"),
            Scores = PlainScores,
            CountDifficult = AllObjects,
        },
    ];

    /// <summary>The names <see cref="Get"/> accepts, in table order.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(p => p.Name).ToArray();

    /// <summary>The preset of that name (case-insensitive); ArgumentException listing the names otherwise.</summary>
    public static MethodPreset Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"unknown method '{name}' (known: {string.Join(", ", Names)})", nameof(name));
    }
}
