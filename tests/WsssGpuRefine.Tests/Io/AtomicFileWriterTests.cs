using System.IO.Pipes;
using WsssGpuRefine.Io;
using WsssGpuRefine.Tests.Cli;

namespace WsssGpuRefine.Tests.Io;

/// <summary>What <see cref="AtomicFileWriter"/> replaces and what it writes through.</summary>
public class AtomicFileWriterTests
{
    [Fact]
    public void A_file_is_replaced_whole_and_no_temporary_stays()
    {
        using var tmp = new TempDirectory();
        string path = tmp.Combine("out.json");
        File.WriteAllText(path, "old, longer content");
        AtomicFileWriter.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["out.json"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_symbolic_link_is_followed_and_kept()
    {
        using var tmp = new TempDirectory();
        string target = tmp.Combine("real.json"), link = tmp.Combine("link.json");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, "real.json");
        AtomicFileWriter.WriteAllText(link, "new");
        Assert.Equal("real.json", new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(target));
    }

    [Fact]
    public void A_symbolic_link_loop_is_an_error_and_stays_a_link()
    {
        using var tmp = new TempDirectory();
        string a = tmp.Combine("a.json"), b = tmp.Combine("b.json");
        File.CreateSymbolicLink(a, "b.json");
        File.CreateSymbolicLink(b, "a.json");
        Assert.Contains("too many levels of symbolic links", Assert.Throws<IOException>(() => AtomicFileWriter.WriteAllText(a, "x")).Message);
        Assert.Equal("b.json", new FileInfo(a).LinkTarget);
    }

    /// <summary>
    /// A process's descriptor (what /dev/stdout points at) is written through: renamed over, the bytes never reached the
    /// pipe (and as root, /dev/full itself was replaced by a regular file).
    /// </summary>
    [Fact]
    public void A_descriptor_under_proc_is_written_through()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.In);
        using var client = new AnonymousPipeClientStream(PipeDirection.Out, server.ClientSafePipeHandle);
        string path = $"/proc/self/fd/{client.SafePipeHandle.DangerousGetHandle()}";
        AtomicFileWriter.WriteAllText(path, "through");
        var buffer = new byte[7];
        server.ReadExactly(buffer);
        Assert.Equal("through", System.Text.Encoding.UTF8.GetString(buffer));
    }

    [Fact]
    public void Of_writers_creating_one_file_at_once_exactly_one_creates_it_and_the_file_is_its()
    {
        // .NET's File.Move without overwrite checks that the target is absent, then renames: two writers racing could
        // both "create" the file, the second replacing the first (two refine recipes in one new --out both went on).
        using var tmp = new TempDirectory();
        const int Writers = 4;
        for (int round = 0; round < 300; round++)
        {
            string path = tmp.Combine($"record{round}.json");
            var created = new bool[Writers];
            using var start = new Barrier(Writers);
            var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
            {
                start.SignalAndWait();
                created[w] = AtomicFileWriter.TryCreate(path, $"writer {w}");
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            int winner = Assert.Single(Enumerable.Range(0, Writers), w => created[w]);
            Assert.Equal($"writer {winner}", File.ReadAllText(path));
        }
        Assert.Equal(300, Directory.GetFiles(tmp.Path).Length);   // no temporary left behind
    }
}
