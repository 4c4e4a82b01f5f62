using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Tests.Backends.Vulkan;

/// <summary>
/// Every shaders/*.hlsl push-constant block against its C# twin (the struct marked [PushConstants("NAME")]): same
/// field names in the same order, same types, same offsets and size, since the host pushes sizeof(twin) bytes.
/// Reads the shader sources, so it needs no device.
/// </summary>
public sealed partial class ShaderParameterTests
{
    internal static readonly string ShaderDirectory = FindShaders();

    private static string FindShaders()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "shaders", "compile.sh")))
                return Path.Combine(dir.FullName, "shaders");
        throw new DirectoryNotFoundException($"no shaders/compile.sh above {AppContext.BaseDirectory}");
    }

    private static readonly Dictionary<string, Type> HlslTypes = new()
    {
        ["float"] = typeof(float),
        ["uint"] = typeof(uint),
        ["int"] = typeof(int),
    };

    public static IEnumerable<object[]> Shaders =>
        Directory.GetFiles(ShaderDirectory, "*.hlsl").Select(f => new object[] { Path.GetFileNameWithoutExtension(f) }).OrderBy(r => (string)r[0]);

    private static Dictionary<string, Type> Twins() =>
        typeof(VulkanBackend).Assembly.GetTypes()
            .Select(t => (Type: t, Attribute: t.GetCustomAttribute<PushConstantsAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToDictionary(x => x.Attribute!.Shader, x => x.Type);

    [Theory, MemberData(nameof(Shaders))]
    public void Push_constant_block_matches_its_csharp_twin(string shader)
    {
        string source = Comment().Replace(File.ReadAllText(Path.Combine(ShaderDirectory, shader + ".hlsl")), "");
        Assert.DoesNotContain("cbuffer", source);
        var push = PushConstant().Match(source);
        Assert.True(push.Success, $"{shader}.hlsl declares no [[vk::push_constant]] ConstantBuffer<T>");
        var block = Regex.Match(source, @"struct\s+" + push.Groups[1].Value + @"\s*\{([^}]*)\}\s*;");
        Assert.True(block.Success, $"{shader}.hlsl: struct {push.Groups[1].Value} not found");
        var hlsl = block.Groups[1].Value.Split(';').Select(f => f.Trim()).Where(f => f.Length > 0)
            .Select(f => f.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries))
            .Select(p => (Type: p[0], Name: p[1]))
            .ToList();

        Assert.True(Twins().TryGetValue(shader, out var twin), $"no struct is marked [PushConstants(\"{shader}\")]");
        var fields = twin!.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(f => Marshal.OffsetOf(twin, f.Name).ToInt64())
            .ToList();
        Assert.Equal(hlsl.Select(f => f.Name.ToLowerInvariant()), fields.Select(f => f.Name.ToLowerInvariant()));
        for (int i = 0; i < hlsl.Count; i++)
        {
            Assert.True(HlslTypes.TryGetValue(hlsl[i].Type, out var type), $"{shader}.hlsl: field {hlsl[i].Name} has type {hlsl[i].Type}, not a 4-byte scalar");
            Assert.Equal(type, fields[i].FieldType);
            Assert.Equal(4L * i, Marshal.OffsetOf(twin, fields[i].Name).ToInt64());
        }
        int size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(twin).Invoke(null, null)!;
        Assert.Equal(4 * hlsl.Count, size);
    }

    [Fact]
    public void Every_twin_names_a_shader_that_exists_and_is_embedded()
    {
        var twins = Twins();
        Assert.NotEmpty(twins);
        foreach (var shader in twins.Keys)
        {
            Assert.True(File.Exists(Path.Combine(ShaderDirectory, shader + ".hlsl")), $"[PushConstants(\"{shader}\")] names no shader");
            Assert.Equal(0x07230203u, BitConverter.ToUInt32(VulkanBackend.LoadSpirv(shader), 0));
        }
    }

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\[\[vk::push_constant\]\]\s*ConstantBuffer<(\w+)>")]
    private static partial Regex PushConstant();
}
