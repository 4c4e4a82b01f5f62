using WsssGpuRefine.Core;
using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Tests.RandomWalk;

public class AffinitySourceTests
{
    [Fact]
    public void BoundaryAffinityIsOneMinusPathMaximum()
    {
        // r = 2: directions (0,1), (1,-1), (1,0), (1,1); the diagonal paths cover the 2×2 block.
        float[] b =
        [
            0.1f, 0.2f, 0.3f, 0.4f,
            0.5f, 0.0f, 0.9f, 0.0f,
            0.0f, 0.6f, 0.0f, 0.7f,
        ];
        var a = BoundaryAffinity.FromBoundary(b, 3, 4, radius: 2);
        Assert.Equal(new RandomWalkDirection[] { new(0, 1), new(1, -1), new(1, 0), new(1, 1) }, a.Directions);
        Assert.Equal(1 - 0.2f, a[0, 0, 0]);          // (0,0)-(0,1)
        Assert.Equal(1 - 0.9f, a[0, 1, 1]);          // (1,1)-(1,2)
        Assert.Equal(0f, a[0, 0, 3]);                // leaves the grid on the right
        Assert.Equal(1 - 0.5f, a[1, 0, 1]);          // (0,1)-(1,0): block {0.1,0.2,0.5,0.0}
        Assert.Equal(0f, a[1, 0, 0]);                // leaves on the left
        Assert.Equal(1 - 0.5f, a[2, 0, 0]);          // (0,0)-(1,0)
        Assert.Equal(1 - 0.9f, a[3, 1, 1]);          // (1,1)-(2,2): block {0.0,0.9,0.6,0.0}
        Assert.Equal(0f, a[3, 2, 0]);                // leaves at the bottom
        Assert.Same(b, a.Boundary);
    }

    [Fact]
    public void EdgeImageIsScaledTo01()
    {
        byte[] grey = [0, 51, 255, 0, 0, 102];
        var a = BoundaryAffinity.FromEdgeImage(grey, 2, 3, radius: 2);
        Assert.Equal(new[] { 0f, 0.2f, 1f, 0f, 0f, 0.4f }, a.Boundary);
        Assert.Equal(1 - 0.2f, a[0, 0, 0]);  // (0,0)-(0,1)
        Assert.Equal(0f, a[0, 0, 1]);        // (0,1)-(0,2) crosses B = 1
        Assert.Throws<WsssInputException>(() => BoundaryAffinity.FromEdgeImage(grey, 2, 2));
    }

    [Fact]
    public void FeatureAffinityIsExpOfMeanAbsoluteDifference()
    {
        int h = 9, w = 10, c = 3;
        var rng = new Random(2);
        var f = RandomWalkPropagationTests.RandomMap(rng, c * h * w, 3f);
        var a = FeatureAffinity.FromFeatures(f, c, h, w);
        var all = FeatureAffinity.FromFeatures(f, c, h, w, restrictSources: false);
        int n = h * w;
        for (int d = 0; d < a.Directions.Count; d++)
        {
            var dir = a.Directions[d];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    bool inside = a.PairInside(dir, y, x);
                    double mean = 0;
                    if (inside)
                        for (int k = 0; k < c; k++)
                            mean += Math.Abs(f[k * n + (y + dir.Dy) * w + x + dir.Dx] - f[k * n + y * w + x]) / c;
                    double expected = inside ? Math.Exp(-mean) : 0;
                    // PSA sources: rows [0, h − 4), columns [4, w − 4).
                    bool psaSource = y < h - 4 && x >= 4 && x < w - 4;
                    Assert.Equal(psaSource ? expected : 0, a[d, y, x], 1e-6);
                    Assert.Equal(expected, all[d, y, x], 1e-6);
                }
        }
    }

    [Fact]
    public void ImageAffinityAveragesToStrideThenAppliesGaussians()
    {
        // 6×5 image at stride 4 → 2×2 grid; the lower/right cells average only the pixels inside.
        int hImg = 6, wImg = 5;
        var pixels = new byte[hImg * wImg * 3];
        for (int y = 0; y < hImg; y++)
            for (int x = 0; x < wImg; x++)
            {
                int p = (y * wImg + x) * 3;
                pixels[p] = (byte)(y < 4 && x < 4 ? 100 : 20);
                pixels[p + 1] = (byte)(10 * y);
                pixels[p + 2] = 0;
            }
        var options = new ImageAffinityOptions { SigmaRgb = 30, SigmaXy = 2 };
        var a = ImageAffinity.FromImage(new RgbImage(hImg, wImg, pixels), 4, radius: 2, options);
        Assert.Equal((2, 2), (a.Height, a.Width));
        // Cell means: (0,0) R 100 G 15; (0,1) R 20 G 15; (1,0) R 20 G 45; (1,1) R 20 G 45.
        double Expected(double dr, double dg, int dist2) =>
            Math.Exp(-(dr * dr + dg * dg) / (2 * 30.0 * 30.0) - dist2 / (2 * 2.0 * 2.0));
        Assert.Equal(Expected(80, 0, 1), a[0, 0, 0], 1e-5);   // (0,0)-(0,1)
        Assert.Equal(Expected(80, 30, 1), a[2, 0, 0], 1e-5);  // (0,0)-(1,0)
        Assert.Equal(Expected(80, 30, 2), a[3, 0, 0], 1e-5);  // (0,0)-(1,1)
        Assert.Equal(Expected(0, 30, 2), a[1, 0, 1], 1e-5);   // (0,1)-(1,0)
        Assert.Equal(Expected(0, 0, 1), a[0, 1, 0], 1e-5);    // (1,0)-(1,1)
        Assert.Equal(0f, a[0, 0, 1]);
    }

    [Fact]
    public void ImageAffinityDefaultsAreDocumentedValues()
    {
        var o = new ImageAffinityOptions();
        Assert.Equal(40f, o.SigmaRgb);
        Assert.Null(o.SigmaXy);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAffinityOptions { SigmaRgb = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAffinityOptions { SigmaXy = float.NaN });
    }

    [Fact]
    public void PoolToStrideAveragesInsidePixelsOnly()
    {
        // 5×5 ramp at stride 4 → 2×2.
        var data = Enumerable.Range(0, 25).Select(i => (float)i).ToArray();
        var pooled = RandomWalker.PoolToStride(new ClassMaps([3], 5, 5, data), 4);
        Assert.Equal((2, 2), (pooled.Height, pooled.Width));
        Assert.Equal(new[] { 3 }, pooled.LabelIds);
        Assert.Equal(new float[] { 9f, 11.5f, 21.5f, 24f }, pooled.Data);
    }

    [Fact]
    public void ImageAffinityWalkFillsColourRegionsWithoutCrossingThem()
    {
        // Left half red, right half blue; one small CAM peak per class, one in each half. The walk
        // must spread each class over its own half and stop at the colour edge.
        int size = 64, grid = 16;
        var pixels = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int p = (y * size + x) * 3;
                bool left = x < size / 2;
                pixels[p] = (byte)(left ? 200 : 30);
                pixels[p + 1] = 30;
                pixels[p + 2] = (byte)(left ? 30 : 200);
            }
        var affinity = ImageAffinity.FromImage(new RgbImage(size, size, pixels), 4);
        var cam = new float[2 * grid * grid];
        cam[8 * grid + 3] = 1f;                     // class 5 peak in the left half
        cam[grid * grid + 8 * grid + 12] = 0.5f;    // weaker class 9 peak in the right half: mixing would drown it
        var result = RandomWalker.RefineIrn(new ClassMaps([5, 9], grid, grid, cam), affinity, size, size, RandomWalkOptions.Irn);
        int leftFive = 0, rightNine = 0, half = size * size / 2;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                byte label = result.Labels.Labels[y * size + x];
                if (x < size / 2 && label == 5) leftFive++;
                if (x >= size / 2 && label == 9) rightNine++;
                Assert.False(x < size / 2 - 4 && label == 9, "class 9 crossed the colour edge");
                Assert.False(x >= size / 2 + 4 && label == 5, "class 5 crossed the colour edge");
            }
        Assert.True(leftFive > half * 95 / 100, $"class 5 covers {leftFive} of {half} left pixels");
        Assert.True(rightNine > half * 95 / 100, $"class 9 covers {rightNine} of {half} right pixels");
    }
}
