using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Recipes;

namespace WsssGpuRefine.Tests.Recipes;

public class IcdSeedRecipeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Seeds_equal_icds_rule_computed_by_numpy(int @case)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "icd", $"case{@case}");
        var icd = NpyReader.Read(Path.Combine(dir, "icd.npy"));
        var cam = NpyReader.Read(Path.Combine(dir, "cam.npy"));
        var ids = NpyReader.Read(Path.Combine(dir, "ids.npy")).ToInt64().Select(v => (int)v).ToArray();
        var expected = NpyReader.Read(Path.Combine(dir, "seeds.npy"));
        int h = icd.Shape[1], w = icd.Shape[2];
        var seeds = IcdSeedRecipe.Seeds(new ClassMaps(ids, h, w, icd.ToFloat32()), new ClassMaps(ids, h, w, cam.ToFloat32()));
        Assert.Equal(expected.Data, seeds.Labels);
        Assert.Contains(seeds.Labels, v => v == 255);
        Assert.Contains(seeds.Labels, v => v == 0);
    }

    [Fact]
    public void Hand_worked_pixels()
    {
        // classes 3 and 9; pixel 0: only class 3 positive -> 3; pixel 1: both negative -> 0;
        // pixel 2: both positive, CAM favours 9 -> 9; pixel 3: one negative, one zero -> neither -> 255.
        var icd = new ClassMaps([3, 9], 1, 4, [2f, -1f, 1f, -1f,
                                              -1f, -2f, 1f, 0f]);
        var cam = new ClassMaps([3, 9], 1, 4, [0.5f, 0f, 0.1f, 0f,
                                              0.2f, 0f, 0.9f, 0f]);
        Assert.Equal(new byte[] { 3, 0, 9, 255 }, IcdSeedRecipe.Seeds(icd, cam).Labels);
    }
}
