namespace WsssGpuRefine.Crf;

/// <summary>
/// The lattice features do not fit the lattice's 16-bit keys: the image's extent and colour range divided by the
/// kernel widths (sxy, srgb) are too large, i.e. a kernel is far narrower than one pixel or one colour step. The
/// fault is the image together with the parameters, so a recipe reports it as an input error of that image.
/// </summary>
public sealed class LatticeRangeException : ArgumentException
{
    /// <summary>Reports features whose lattice coordinates would not fit 16 bits.</summary>
    public LatticeRangeException(string message) : base(message) { }
}
