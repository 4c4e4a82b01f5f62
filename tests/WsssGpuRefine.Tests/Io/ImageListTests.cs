using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Lists;

namespace WsssGpuRefine.Tests.Io;

public class ImageListTests
{
    [Fact]
    public void Both_line_forms_and_blank_lines()
    {
        var ids = ImageList.Parse([
            "2007_000032",
            "",
            "  /JPEGImages/2007_000039.jpg /SegmentationClassAug/2007_000039.png  ",
            "2011_003276\r",
            "   ",
        ]);
        Assert.Equal(new[] { "2007_000032", "2007_000039", "2011_003276" }, ids);
    }

    [Theory]
    [InlineData("../../etc/passwd", "line 2: '../../etc/passwd' is not an id")]
    [InlineData("/data/voc/JPEGImages/b.jpg /data/voc/SegmentationClass/b.png", "line 2: '/data/voc/JPEGImages/b.jpg' is not an id")]
    [InlineData("JPEGImages/../b.jpg", "line 2: 'JPEGImages/../b.jpg' is not an id")]
    [InlineData("a\\b.jpg", "line 2: 'a\\b.jpg' is not an id")]
    [InlineData("b\0c", "line 2: control character (e.g. NUL) in the line")]
    [InlineData("..", "line 2: no image id in '..'")]
    public void Paths_that_would_be_reduced_to_a_stem_are_refused_with_the_line(string line, string reason)
    {
        var e = Assert.Throws<WsssInputException>(() => ImageList.Parse(["a", line]));
        Assert.StartsWith(reason, e.Reason);
    }

    [Fact]
    public void The_list_forms_of_the_seed_methods_are_read()
    {
        Assert.Equal(new[] { "a", "b", "c", "d" },
            ImageList.Parse(["a", "b.jpg", "JPEGImages/c.jpg", "/JPEGImages/d.jpg\t/SegmentationClassAug/d.png"]));
    }

    [Fact]
    public void Duplicated_id_is_refused_with_both_lines()
    {
        var e = Assert.Throws<WsssInputException>(() => ImageList.Parse(["a", "b", "/JPEGImages/a.jpg /x/a.png"]));
        Assert.Equal("line 3: duplicated id 'a' (first on line 1)", e.Reason);
    }

    [Fact]
    public void File_errors_name_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"wsss_list_{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, ["x", "x"]);
        try
        {
            var e = Assert.Throws<WsssInputException>(() => ImageList.Read(path));
            Assert.Equal(path, e.File);
            Assert.Equal(new[] { "y" }, ImageList.Parse(["y"]));
        }
        finally
        {
            File.Delete(path);
        }
        var missing = Assert.Throws<WsssInputException>(() => ImageList.Read(path));
        Assert.Contains("cannot read", missing.Reason);
    }
}
