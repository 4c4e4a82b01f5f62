using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Tests.RandomWalk;

public class RandomWalkGeometryTests
{
    [Theory]
    [InlineData(5, 34)]
    [InlineData(10, 152)]
    [InlineData(2, 4)]
    public void DirectionCountMatchesIrn(int radius, int expected)
    {
        Assert.Equal(expected, RandomWalkDirections.For(radius).Count);
    }

    [Fact]
    public void DirectionsCoverOneHalfPlaneOnce()
    {
        var dirs = RandomWalkDirections.For(5);
        Assert.Equal(new RandomWalkDirection(0, 1), dirs[0]);
        Assert.Equal(new RandomWalkDirection(0, 4), dirs[3]);
        Assert.Equal(new RandomWalkDirection(1, -4), dirs[4]);
        foreach (var d in dirs)
        {
            Assert.True(d.Dy > 0 || (d.Dy == 0 && d.Dx > 0));
            Assert.True(d.Dy * d.Dy + d.Dx * d.Dx < 25);
            Assert.DoesNotContain(new RandomWalkDirection(-d.Dy, -d.Dx), dirs);
        }
        Assert.Equal(dirs.Count, dirs.Distinct().Count());
    }

    [Fact]
    public void PathsMatchHandWorkedLineTest()
    {
        // (dy·x − dx·y)² < dy² + dx² over the bounding box, worked by hand.
        Assert.Equal(new[] { (0, 0), (0, 1) }, RandomWalkDirections.PathOf(new(0, 1)));
        Assert.Equal(new[] { (0, 0), (0, 1), (0, 2), (0, 3), (0, 4) }, RandomWalkDirections.PathOf(new(0, 4)));
        Assert.Equal(new[] { (0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 1), (2, 2) }, RandomWalkDirections.PathOf(new(2, 2)));
        Assert.Equal(new[] { (0, -1), (0, 0), (1, -3), (1, -2), (1, -1), (1, 0), (2, -3), (2, -2) },
            RandomWalkDirections.PathOf(new(2, -3)));
        Assert.Equal(10, RandomWalkDirections.PathOf(new(4, 1)).Count);
    }

    [Fact]
    public void PathLengthsSpanTwoToEleven()
    {
        var lengths = RandomWalkDirections.For(5).Select(d => RandomWalkDirections.PathOf(d).Count).ToArray();
        Assert.Equal(2, lengths.Min());
        Assert.Equal(11, lengths.Max());
        foreach (var d in RandomWalkDirections.For(5))
        {
            var path = RandomWalkDirections.PathOf(d);
            Assert.Contains((0, 0), path);
            Assert.Contains((d.Dy, d.Dx), path);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(17)]
    public void RejectsBadRadius(int radius)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomWalkDirections.For(radius));
    }
}
