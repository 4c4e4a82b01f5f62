using WsssGpuRefine.Core;
using WsssGpuRefine.Io.CamDumps;

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

    [Fact]
    public void A_plain_array_is_not_a_label_file()
    {
        string path = IoFixtures.File("npy/plain_le_f4.npy");
        var e = Assert.Throws<WsssInputException>(() => ClassLabels.Read(path));
        Assert.Equal(path, e.File);
    }
}
