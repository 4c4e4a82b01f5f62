using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Pickle;

namespace WsssGpuRefine.Tests.Io;

public class TorchTensorTests
{
    private static NpyArray Entry(string file, string key)
    {
        var array = NpyReader.Read(IoFixtures.File(file));
        var dict = Assert.IsType<PyDict>(Assert.Single(array.Objects!));
        return Assert.IsType<NpyArray>(dict[key]);
    }

    [Fact]
    public void Parameter_unwraps_to_its_tensor()
    {
        var e = IoFixtures.Section("torch").GetProperty("p");
        var p = Entry("dumps/torch_parameter.npy", "p");
        Assert.True(p.IsTorchTensor);
        Assert.Equal(IoFixtures.Ints(e.GetProperty("shape")), p.Shape);
        Assert.Equal(IoFixtures.Floats(e.GetProperty("values")), p.ToFloat32());
    }

    [Fact]
    public void Rebuild_tensor_v3_with_explicit_dtype_and_a_strided_view()
    {
        var e = IoFixtures.Section("torch").GetProperty("t");
        var t = Entry("dumps/torch_v3.npy", "t");
        Assert.True(t.IsTorchTensor);
        Assert.Equal(NpyElementType.Int64, t.DType.Type);
        Assert.Equal(IoFixtures.Ints(e.GetProperty("shape")), t.Shape);
        Assert.Equal(IoFixtures.Longs(e.GetProperty("values")), t.ToInt64());
    }

    [Fact]
    public void Strided_keys_view_honours_offset_and_stride()
    {
        // a_strided_*: keys = stack([99, fg])[:, 1] -> stride 2, offset 1 over [99, 2, 99, 7, 99, 14].
        foreach (int protocol in new[] { 2, 3, 4 })
        {
            var keys = Entry($"dumps/a_strided_p{protocol}.npy", "keys");
            Assert.True(keys.IsTorchTensor);
            Assert.Equal(new long[] { 2, 7, 14 }, keys.ToInt64());
        }
    }
}
