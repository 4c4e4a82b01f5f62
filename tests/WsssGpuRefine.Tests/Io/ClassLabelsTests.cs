using WsssGpuRefine.Core;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Tests.Cli;

namespace WsssGpuRefine.Tests.Io;

public class ClassLabelsTests
{
    [Theory]
    [InlineData("labels/cls_labels_int.npy")]
    [InlineData("labels/cls_labels_str.npy")]
    [InlineData("labels/cls_labels_int_numpy2.npy")]
    public void Both_key_styles_give_the_present_classes(string file)
    {
        var labels = ClassLabels.Read(IoFixtures.File(file));
        var expected = IoFixtures.Section("labels");
        Assert.Equal(expected.EnumerateObject().Count(), labels.Count);
        foreach (var image in expected.EnumerateObject())
            Assert.Equal(IoFixtures.Ints(image.Value), labels.PresentFor(image.Name).ToArray());
        Assert.True(labels.TryGetPresent("2011_003276", out _));
        Assert.False(labels.TryGetPresent("2011003276", out _));
    }

    [Fact]
    public void Unknown_image_is_an_input_error()
    {
        var labels = ClassLabels.Read(IoFixtures.File("labels/cls_labels_str.npy"));
        var e = Assert.Throws<WsssInputException>(() => labels.PresentFor("2099_000001"));
        Assert.Contains("2099_000001", e.Reason);
    }

    /// <summary>A vector of another length than the others', or an entry other than 0 or 1, once counted silently (NaN or -1 != 0: present).</summary>
    [Theory]
    [InlineData(3, 0f, "has 3 entries, others 20")]
    [InlineData(20, float.NaN, "holds NaN")]
    [InlineData(20, -1f, "holds -1")]
    [InlineData(20, 0.5f, "holds 0.5")]
    public void Vectors_of_another_length_or_not_finite_are_refused(int length, float value, string reason)
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("cls_labels.npy");
        var good = new float[20];
        good[11] = 1;
        var bad = new float[length];
        bad[0] = value;
        using (var f = File.Create(path))
            NpyDictWriter.Write(f, new KeyValuePair<string, NpyDictWriter.Array>[]
            {
                new("2007_000001", NpyDictWriter.Array.Float32(good, 20)),
                new("2007_000002", NpyDictWriter.Array.Float32(bad, length)),
            });
        var e = Assert.Throws<WsssInputException>(() => ClassLabels.Read(path));
        Assert.Equal(path, e.File);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void A_plain_array_is_not_a_label_file()
    {
        string path = IoFixtures.File("npy/plain_le_f4.npy");
        var e = Assert.Throws<WsssInputException>(() => ClassLabels.Read(path));
        Assert.Equal(path, e.File);
    }
}
