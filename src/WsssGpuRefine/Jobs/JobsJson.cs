using System.Text.Json.Serialization;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Labels;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Recipes;

namespace WsssGpuRefine.Jobs;

/// <summary>
/// The JSON metadata of a refine recipe's parts, written at compile time (no reflection at run time, so a NativeAOT
/// build serialises them as the JIT build does). Enums as names and NaN/∞ as named literals: the recipe record's
/// long-standing layout, which its fingerprint hashes.
/// </summary>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, UseStringEnumConverter = true)]
[JsonSerializable(typeof(BackgroundRule.Constant))]
[JsonSerializable(typeof(BackgroundRule.Power))]
[JsonSerializable(typeof(IrLabelOptions))]
[JsonSerializable(typeof(PsaLaHaOptions))]
[JsonSerializable(typeof(RandomWalkOptions))]
[JsonSerializable(typeof(CrfParameters))]
internal sealed partial class RecipeJsonContext : JsonSerializerContext;

/// <summary>The JSON metadata of <see cref="EvalReport"/>, written at compile time (see <see cref="RecipeJsonContext"/>).</summary>
[JsonSerializable(typeof(EvalReport))]
internal sealed partial class EvalReportJsonContext : JsonSerializerContext;
