using System.Text.Json;

namespace WsssGpuRefine.Tests.Io;

/// <summary>The fixtures written by Fixtures/io/make_fixtures.py and the values it recorded in expected.json.</summary>
internal static class IoFixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures", "io");

    public static string File(string relative) => Path.Combine(Root, relative);

    private static readonly Lazy<JsonDocument> Doc = new(() => JsonDocument.Parse(System.IO.File.ReadAllText(File("expected.json"))));

    public static JsonElement Expected => Doc.Value.RootElement;

    public static JsonElement Section(string name) => Expected.GetProperty(name);

    public static IEnumerable<object[]> Names(string section) =>
        Section(section).EnumerateObject().Select(p => new object[] { p.Name });

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
    public static long[] Longs(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt64()).ToArray();
    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();
    public static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();
}
