using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io;

namespace WsssGpuRefine.Jobs;

/// <summary>
/// What a <c>refine</c> output folder records about its outputs, so that resuming keeps only outputs made by the
/// same recipe from the same inputs, and only when all of an item's outputs were written:
/// <list type="bullet">
/// <item><c>OUT/wsss-recipe.json</c>: the recipe and its parameters, the version and a fingerprint of the recipe.
/// It is created once, atomically (the first of several shards creates it, the others compare); a run with another
/// recipe stops unless <c>--overwrite</c>, which replaces it and forgets the old recipe's records.</item>
/// <item><c>OUT/wsss-done/FINGERPRINT.WRITER.tsv</c>: one journal per process (WRITER names host, pid and start time,
/// so shards never share a file), one line <c>ID, inputs' sizes and mtimes, outputs</c> appended after all of an
/// item's outputs are in place. An item is complete only if a journal of this recipe lists it with the same input
/// stamp and its outputs exist.</item>
/// </list>
/// </summary>
internal sealed class RefineLedger : IDisposable
{
    public const string RecipeFileName = "wsss-recipe.json";
    public const string JournalDirectoryName = "wsss-done";
    /// <summary>The recipe record's key for <c>--crf-suffix</c>: written by <see cref="RecipeObject"/>, read back to remove a replaced recipe's files.</summary>
    private const string CrfLabelSuffixKey = "crf_label_suffix";

    private readonly RefineOptions _options;
    private readonly string _journalDirectory;
    private readonly string _journalPath;
    private readonly Dictionary<string, Entry> _done;
    /// <summary>Ids that a run with <c>--save-scores</c> wrote into this folder, by any line of any recipe's journal (read before a replaced recipe's are forgotten).</summary>
    private readonly HashSet<string> _scoresOnRecord;
    private int _staleScoresRemoved;
    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal);
    private readonly object _journalLock = new();
    private StreamWriter? _journal;

    private sealed record Entry(string Stamp, bool ScoresRequested, bool ScoresWritten);

    /// <summary>This run's recipe fingerprint (<see cref="Describe"/>).</summary>
    public string Fingerprint { get; }

    private RefineLedger(RefineOptions options, string fingerprint, JournalRecords journals)
    {
        Fingerprint = fingerprint;
        _options = options;
        _scoresOnRecord = journals.ScoresWritten;
        _journalDirectory = Path.Combine(options.OutputDirectory, JournalDirectoryName);
        _journalPath = Path.Combine(_journalDirectory, $"{fingerprint}.{WriterIdentity.Current}.tsv");
        _done = options.Overwrite ? [] : journals.Of(fingerprint);
    }

    /// <summary>The recipe this run writes, as recorded in the manifest: a one-line summary and its fingerprint.</summary>
    public static (string Summary, string Fingerprint) Describe(RefineOptions options)
    {
        string canonical = RecipeObject(options).ToJsonString();
        return (Summary(options), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16]);
    }

    /// <summary>Checks (or records) the folder's recipe and reads the journals of this recipe.</summary>
    /// <exception cref="WsssInputException">The folder holds another recipe's outputs and overwrite is off.</exception>
    public static RefineLedger Open(RefineOptions options, Action<string>? info)
    {
        var (summary, fingerprint) = Describe(options);
        string recipeFile = Path.Combine(options.OutputDirectory, RecipeFileName);
        var mine = new JsonObject
        {
            ["tool"] = "wsss refine",
            ["summary"] = summary,
            ["fingerprint"] = fingerprint,
            ["version"] = Version,
            ["recipe"] = RecipeObject(options),
        };
        string text = mine.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var recorded = ReadRecipe(recipeFile);
        // Every journal, read once, before a replaced recipe's are forgotten.
        var journals = JournalRecords.Read(Path.Combine(options.OutputDirectory, JournalDirectoryName));
        if (recorded is null && !AtomicFileWriter.TryCreate(recipeFile, text))
            recorded = ReadRecipe(recipeFile);   // another shard created it first
        if (recorded is not null && recorded.Value.Fingerprint != fingerprint)
        {
            if (!options.Overwrite)
            {
                string theirs = recorded.Value.Summary == summary ? $"{summary} with other parameters" : recorded.Value.Summary;
                throw new WsssInputException(recipeFile, $"--out holds the outputs of another recipe ({theirs}), not of this one " +
                                                         $"({summary}); use another --out, or --overwrite to recompute them all");
            }
            // Before the new recipe is recorded, so that no process of it can have written anything yet.
            var (removedLabels, removedScores) = RemoveReplacedOutputs(options, recorded.Value, journals.Of(recorded.Value.Fingerprint));
            AtomicFileWriter.WriteAllText(recipeFile, text);
            ForgetOtherRecipes(Path.Combine(options.OutputDirectory, JournalDirectoryName), fingerprint);
            info?.Invoke($"info: {recipeFile}: recipe changed from ({recorded.Value.Summary}) to ({summary}); recomputing every output (--overwrite)");
            if (removedLabels > 0)
                info?.Invoke($"info: removed the replaced recipe's {removedLabels} ID{recorded.Value.CrfLabelSuffix}.png file(s), which this recipe does not write");
            if (removedScores > 0)
                info?.Invoke($"info: removed the replaced recipe's {removedScores} score file(s) (ID.npy); --save-scores writes this recipe's");
        }
        else if (recorded is not null && recorded.Value.Version != Version)
        {
            // --overwrite recomputes every output with this version: the record says so (and nothing is "resumed").
            if (options.Overwrite) AtomicFileWriter.WriteAllText(recipeFile, text);
            else info?.Invoke($"info: {recipeFile}: outputs made by wsss {recorded.Value.Version} are resumed by {Version} (--overwrite recomputes them)");
        }
        if (options.CrfLabelSuffix is { } suffix) CheckSuffixClash(options, suffix, journals.Of(fingerprint), recipeFile);
        return new RefineLedger(options, fingerprint, journals);
    }

    /// <summary>
    /// With a CRF label suffix, image ID's CRF labels are ID_SUFFIX.png: an image of this list named ID_SUFFIX, or one
    /// an earlier run of this recipe wrote here whose ID_SUFFIX is in this list, would have one file for two outputs (the
    /// second run replaced the first's CRF labels, and a resume kept them). The list-only case is the options' check.
    /// </summary>
    private static void CheckSuffixClash(RefineOptions options, string suffix, Dictionary<string, Entry> recorded, string recipeFile)
    {
        foreach (string id in options.Ids)
        {
            string? clash = recorded.ContainsKey(id + suffix) ? id
                : id.EndsWith(suffix, StringComparison.Ordinal) && recorded.ContainsKey(id[..^suffix.Length]) ? id[..^suffix.Length] : null;
            if (clash is not null)
                throw new WsssInputException(recipeFile, $"this list and an earlier run into --out hold '{clash}' and '{clash}{suffix}': " +
                                                         $"{clash}{suffix}.png would be both images' output; use another --out or CRF label suffix");
        }
    }

    /// <summary>
    /// True when the item's outputs are complete and may be kept: not overwriting, a journal of this recipe lists
    /// it with the inputs as they are now, every output it listed exists, and scores were saved if asked for now.
    /// </summary>
    public bool IsComplete(string id)
    {
        string stamp = InputStamp(id);
        _pending[id] = stamp;
        if (!_done.TryGetValue(id, out var entry) || !SameInputs(entry.Stamp, stamp)) return false;
        if (_options.SaveScores && !entry.ScoresRequested) return false;
        return File.Exists(RefineJob.OutputPath(_options, id)) && (!entry.ScoresWritten || File.Exists(ScoresPath(_options, id)))
               && (RefineJob.CrfLabelPath(_options, id) is not { } crfLabels || File.Exists(crfLabels));
    }

    /// <summary>Records an item whose outputs are all in place (call after the last one is written).</summary>
    public void Record(string id, bool scoresWritten)
    {
        string stamp = _pending.TryRemove(id, out var s) ? s : InputStamp(id);
        string line = string.Join('\t', id, stamp, _options.SaveScores ? "1" : "0", scoresWritten ? "1" : "0");
        lock (_journalLock)
        {
            if (_journal is null)
            {
                Directory.CreateDirectory(_journalDirectory);
                _journal = new StreamWriter(new FileStream(_journalPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false));
            }
            _journal.Write(line + "\n");
            _journal.Flush();
        }
    }

    /// <summary>The scores file of an id (<c>--save-scores</c>): OUT/ID.npy.</summary>
    public static string ScoresPath(RefineOptions options, string id) => Path.Combine(options.OutputDirectory, id + ".npy");

    /// <summary>Every score file <c>--save-scores</c> may write for an id: OUT/ID.npy, and la/ha's two CRFs in PSA's folders.</summary>
    public static string[] ScoreFiles(RefineOptions options, string id) =>
    [
        ScoresPath(options, id),
        Path.Combine(options.OutputDirectory, Recipes.LaHaStep.LowSaved, id + ".npy"),
        Path.Combine(options.OutputDirectory, Recipes.LaHaStep.HighSaved, id + ".npy"),
    ];

    /// <summary>How many score files <see cref="RemoveStaleScores"/> removed.</summary>
    public int StaleScoresRemoved => Volatile.Read(ref _staleScoresRemoved);

    /// <summary>
    /// Before an item's outputs are written: removes the score files of <see cref="ScoreFiles"/> that an earlier run with
    /// <c>--save-scores</c> wrote for this id (its journal says so) and that this write will not replace, so that no
    /// ID.npy from other inputs or another recipe stays beside the new ID.png. Files the journals do not attribute to
    /// a wsss run (a method's own outputs in a reused folder) are never touched.
    /// </summary>
    public void RemoveStaleScores(string id, IReadOnlyCollection<string> written)
    {
        if (!_scoresOnRecord.Contains(id)) return;
        foreach (string path in ScoreFiles(_options, id))
        {
            if (!written.Contains(path) && DeleteIfPresent(path, "cannot remove the scores an earlier run wrote, which this one does not rewrite"))
                Interlocked.Increment(ref _staleScoresRemoved);
        }
    }

    public void Dispose()
    {
        lock (_journalLock) _journal?.Dispose();
    }

    private static string Version =>
        typeof(RefineLedger).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The sizes and modification times of the files an item's outputs are computed from ("-" where absent).</summary>
    private string InputStamp(string id)
    {
        var o = _options;
        var files = new List<string> { DatasetInputs.CamPath(o.CamsDirectory, id) };
        if (o.ImagesDirectory is not null && o.NeedsImage)
        {
            try { files.Add(DatasetInputs.ImagePath(o.ImagesDirectory, id)); }
            catch (WsssInputException) { files.Add(Path.Combine(o.ImagesDirectory, id + ".jpg")); }
        }
        if (o.IcdSeedsDirectory is not null) files.Add(DatasetInputs.CamPath(o.IcdSeedsDirectory, id));
        if (o.RandomWalkSource?.Directory is { } affinity)
        {
            files.Add(Path.Combine(affinity, id + ".npy"));
            files.Add(Path.Combine(affinity, id + "_edge.png"));
        }
        string stamp = string.Join(',', files.Select(FileStamp));
        // The files that say which classes the image holds (--cls-labels, or its ground truth) decide how some dumps are
        // read (a dict's keys as VOC ids or as class indices; the channels kept), so the outputs depend on them too.
        // After a ';', so that a line of an older build, which did not stamp them, still resumes (SameInputs).
        string? presence = o.ClassLabelsFile is { } labels ? (Directory.Exists(labels) ? Path.Combine(labels, id + ".xml") : labels)
            : o.GroundTruthDirectory is { } gt ? DatasetInputs.LabelPath(gt, id) : null;
        return presence is null ? stamp : $"{stamp};{FileStamp(presence)}";
    }

    /// <summary>
    /// For scoring a refine output folder (<c>eval --labels OUT</c>): the recipe it records and the listed ids whose label
    /// map no journal of that recipe lists. Those are the maps of an unfinished run, or of another recipe (left by a
    /// sharded <c>--overwrite</c> that not every shard has rerun yet). Null when the folder holds no readable recipe record.
    /// </summary>
    public static (string Summary, string[] Unrecorded)? UnrecordedItems(string folder, IEnumerable<string> ids)
    {
        try
        {
            if (ReadRecipe(Path.Combine(folder, RecipeFileName)) is not { } recorded) return null;
            var items = JournalRecords.Read(Path.Combine(folder, JournalDirectoryName)).Of(recorded.Fingerprint);
            return (recorded.Summary, ids.Where(id => !items.ContainsKey(id)).ToArray());
        }
        catch (WsssInputException)
        {
            return null;   // not ours to judge: the label maps are scored as they are
        }
    }

    private static string FileStamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{info.Length}@{info.LastWriteTimeUtc.Ticks}" : "-";
    }

    /// <summary>
    /// Whether a journal's stamp is the inputs as they are now. A line of a build before the presence files were stamped
    /// (no ';') is compared on the files it did stamp.
    /// </summary>
    private static bool SameInputs(string recorded, string now) =>
        recorded == now || !recorded.Contains(';') && now.IndexOf(';') is var cut and > 0 && recorded == now[..cut];

    /// <summary>
    /// Every journal of a folder (<c>FINGERPRINT.WRITER.tsv</c>), read once: each recipe's items, the last line of an id
    /// winning in file-name order, and the ids that any line of any recipe says a <c>--save-scores</c> run wrote.
    /// </summary>
    private sealed record JournalRecords(Dictionary<string, Dictionary<string, Entry>> ByRecipe, HashSet<string> ScoresWritten)
    {
        /// <summary>The items of one recipe's journals (none when it has none).</summary>
        public Dictionary<string, Entry> Of(string fingerprint) => ByRecipe.GetValueOrDefault(fingerprint) ?? new(StringComparer.Ordinal);

        public static JournalRecords Read(string directory)
        {
            var records = new JournalRecords(new(StringComparer.Ordinal), new(StringComparer.Ordinal));
            if (!Directory.Exists(directory)) return records;
            foreach (string journal in Directory.EnumerateFiles(directory, "*.tsv").Order(StringComparer.Ordinal))
            {
                string text;
                try
                {
                    using var stream = new FileStream(journal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                    text = new StreamReader(stream, Encoding.UTF8).ReadToEnd();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;   // a journal that cannot be read only means its items are recomputed
                }
                string fingerprint = Path.GetFileName(journal).Split('.')[0];
                if (!records.ByRecipe.TryGetValue(fingerprint, out var items))
                    records.ByRecipe[fingerprint] = items = new Dictionary<string, Entry>(StringComparer.Ordinal);
                // A killed writer may leave a last line without its newline: only whole lines count.
                foreach (string line in text.Split('\n').SkipLast(1))
                {
                    var f = line.Split('\t');
                    if (f.Length != 4 || f[2] is not ("0" or "1") || f[3] is not ("0" or "1")) continue;
                    items[f[0]] = new Entry(f[1], f[2] == "1", f[3] == "1");
                    if (f[2] == "1") records.ScoresWritten.Add(f[0]);
                }
            }
            return records;
        }
    }

    private static void ForgetOtherRecipes(string directory, string fingerprint)
    {
        if (!Directory.Exists(directory)) return;
        foreach (string journal in Directory.EnumerateFiles(directory, "*.tsv"))
            if (!Path.GetFileName(journal).StartsWith(fingerprint + ".", StringComparison.Ordinal))
            {
                try { File.Delete(journal); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
    }

    private readonly record struct RecordedRecipe(string Fingerprint, string Summary, string Version, string? CrfLabelSuffix);

    /// <summary>
    /// When <c>--overwrite</c> replaces a recipe, removes the files of the ids its journals list that the new recipe may
    /// not rewrite: the CRF's labels beside ID.png (<c>--crf-suffix</c>) when the new recipe does not write that name,
    /// and the score files (<see cref="ScoreFiles"/>) of ids written with <c>--save-scores</c>, since whether the new
    /// recipe writes them depends on each process's <c>--save-scores</c>. Either would otherwise stay beside the new
    /// ID.png, silently from another recipe. ID.png itself is rewritten. Returns how many files of each were removed.
    /// </summary>
    private static (int Labels, int Scores) RemoveReplacedOutputs(RefineOptions options, RecordedRecipe replaced, Dictionary<string, Entry> replacedItems)
    {
        string? suffix = replaced.CrfLabelSuffix is { } s && s != options.CrfLabelSuffix && RefineOptions.IsFileNameSuffix(s) ? s : null;
        int labels = 0, scores = 0;
        string inside = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.OutputDirectory)) + Path.DirectorySeparatorChar;
        foreach (var (id, entry) in replacedItems)
        {
            if (suffix is not null && RemoveOwn(Path.Combine(options.OutputDirectory, id + suffix + ".png"))) labels++;
            if (entry.ScoresRequested)
                foreach (string file in ScoreFiles(options, id))
                    if (RemoveOwn(file)) scores++;
        }
        return (labels, scores);

        bool RemoveOwn(string file)
        {
            string path = Path.GetFullPath(file);
            // A journal line naming a file elsewhere is not ours.
            return path.StartsWith(inside, StringComparison.Ordinal) && DeleteIfPresent(path, "cannot remove the replaced recipe's output");
        }
    }

    /// <summary>Deletes a file this folder's journals attribute to a wsss run; true when there was one. A failure names the file.</summary>
    private static bool DeleteIfPresent(string path, string failure)
    {
        try
        {
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WsssInputException(path, $"{failure}: {e.Message}");
        }
    }

    private static RecordedRecipe? ReadRecipe(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path));
            return new RecordedRecipe(node?["fingerprint"]?.GetValue<string>() ?? "", node?["summary"]?.GetValue<string>() ?? "unknown",
                node?["version"]?.GetValue<string>() ?? "unknown", node?["recipe"]?[CrfLabelSuffixKey]?.GetValue<string>());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new WsssInputException(path, $"not a wsss recipe record ({e.Message.Split('\n')[0]}); remove it or use another --out");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WsssInputException(path, $"cannot read: {e.Message}");
        }
    }

    /// <summary>Everything that decides an output's content, as JSON (stable key order); input locations are left to the stamps.</summary>
    private static JsonObject RecipeObject(RefineOptions o)
    {
        JsonNode? Node(object? value)
        {
            if (value is null) return null;
            var type = RecipeJsonContext.Default.GetTypeInfo(value.GetType())
                ?? throw new InvalidOperationException($"{value.GetType().Name} is not in {nameof(RecipeJsonContext)}");
            var node = JsonSerializer.SerializeToNode(value, type);
            if (node is JsonObject obj) obj.Remove("Name");   // a preset's name; its parameters are what count
            return node;
        }
        var recipe = new JsonObject
        {
            ["classes"] = o.Classes,
            ["format"] = o.Format,
            ["cls_labels"] = o.ClassLabelsFile is null ? null : Path.GetFullPath(o.ClassLabelsFile),
            ["background_rule"] = o.Rule is null ? null : new JsonObject { ["kind"] = o.Rule.GetType().Name, ["value"] = Node(o.Rule) },
            ["ir_label"] = Node(o.IrLabel),
            ["la_ha"] = Node(o.LaHa),
            ["icd_seeds"] = o.IcdSeedsDirectory is not null,
            ["random_walk"] = o.RandomWalkSource is null ? null
                : new JsonObject { ["source"] = o.RandomWalkSource.Kind.ToString(), ["options"] = Node(o.RandomWalk) },
            ["crf"] = Node(o.Crf),
            ["png"] = o.Png.ToString(),
            ["scores_layout"] = o.ScoresLayout.ToString(),
            ["cls_labels_difficult"] = o.ClassLabelsCountDifficult,
        };
        // Only when set, so that the fingerprints of folders written before the option existed stay valid.
        if (o.CrfLabelSuffix is not null) recipe[CrfLabelSuffixKey] = o.CrfLabelSuffix;
        return recipe;
    }

    /// <summary>The recipe as the options that give it, e.g. "--rw image --crf irn".</summary>
    private static string Summary(RefineOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = new List<string>();
        switch (o.Rule)
        {
            case Labels.BackgroundRule.Constant c: parts.Add($"--threshold {c.Threshold.ToString(inv)}"); break;
            case Labels.BackgroundRule.Power p: parts.Add($"--bg-power {p.Alpha.ToString(inv)}"); break;
        }
        if (o.IrLabel is { } ir) parts.Add($"--ir-label {ir.FgThreshold.ToString(inv)},{ir.BgThreshold.ToString(inv)}");
        if (o.LaHa is { } laHa) parts.Add($"--la-ha {laHa.AlphaLow.ToString(inv)},{laHa.AlphaHigh.ToString(inv)}");
        if (o.IcdSeedsDirectory is not null) parts.Add("--icd-seeds");
        if (o.RandomWalkSource is { } rw) parts.Add($"--rw {rw.Kind.ToString().ToLowerInvariant()}");
        var crf = o.Crf ?? o.IrLabel?.Crf ?? o.LaHa?.Crf;
        if (crf is not null) parts.Add($"--crf {crf.Name}");
        if (o.CrfLabelSuffix is not null) parts.Add($"--crf-suffix {o.CrfLabelSuffix}");
        return string.Join(' ', parts);
    }
}
