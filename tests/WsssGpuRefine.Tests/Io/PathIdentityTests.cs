using WsssGpuRefine.Io;
using WsssGpuRefine.Tests.Cli;

namespace WsssGpuRefine.Tests.Io;

public class PathIdentityTests
{
    [Fact]
    public void A_folder_is_itself_however_the_path_is_written()
    {
        using var tmp = new TempDirectory();
        string a = tmp.Combine("a");
        Directory.CreateDirectory(Path.Combine(a, "sub"));
        Assert.True(PathIdentity.SameFolder(a, a + Path.DirectorySeparatorChar));
        Assert.True(PathIdentity.SameFolder(a, Path.Combine(a, "sub", "..")));
        Assert.True(PathIdentity.SameFolder(a, Path.Combine(a, ".", ".")));
        Assert.False(PathIdentity.SameFolder(a, Path.Combine(a, "sub")));
    }

    [Fact]
    public void Links_anywhere_on_the_path_are_followed_absolute_or_relative()
    {
        using var tmp = new TempDirectory();
        string target = tmp.Combine("data", "cams");
        Directory.CreateDirectory(target);
        Directory.CreateSymbolicLink(tmp.Combine("abs"), target);                       // the folder itself
        Directory.CreateSymbolicLink(tmp.Combine("rel"), Path.Combine("data", "cams")); // relative to the link's folder
        Directory.CreateSymbolicLink(tmp.Combine("up"), "data");                        // a parent on the way
        Directory.CreateSymbolicLink(tmp.Combine("chain"), "abs");                      // a link to a link
        foreach (string alias in new[] { tmp.Combine("abs"), tmp.Combine("rel"), tmp.Combine("up", "cams"), tmp.Combine("chain") })
        {
            Assert.True(PathIdentity.SameFolder(alias, target), alias);
            Assert.Equal(PathIdentity.Canonical(target), PathIdentity.Canonical(alias));
        }
        Assert.False(PathIdentity.SameFolder(tmp.Combine("up"), target));
    }

    [Fact]
    public void A_missing_folder_or_a_link_loop_is_no_other_folder()
    {
        using var tmp = new TempDirectory();
        string a = tmp.Combine("a");
        Directory.CreateDirectory(a);
        Assert.False(PathIdentity.SameFolder(tmp.Combine("missing"), a));
        Assert.False(PathIdentity.SameFolder(a, tmp.Combine("missing")));
        Assert.False(PathIdentity.SameFolder(tmp.Combine("missing"), tmp.Combine("missing")));
        Directory.CreateSymbolicLink(tmp.Combine("loop1"), tmp.Combine("loop2"));
        Directory.CreateSymbolicLink(tmp.Combine("loop2"), tmp.Combine("loop1"));
        Assert.False(PathIdentity.SameFolder(tmp.Combine("loop1"), a));
        // Resolving gives up after Linux's limit of links instead of recursing forever.
        Assert.StartsWith(tmp.Path, PathIdentity.Canonical(tmp.Combine("loop1", "x")));
    }

    [Fact]
    public void A_file_is_itself_through_links_and_no_folder_is_a_file()
    {
        using var tmp = new TempDirectory();
        string list = tmp.Combine("train.txt");
        File.WriteAllText(list, "2007_000032\n");
        File.CreateSymbolicLink(tmp.Combine("linked.txt"), "train.txt");
        Directory.CreateSymbolicLink(tmp.Combine("dir"), tmp.Path);
        Assert.True(PathIdentity.SameFile(list, tmp.Combine("linked.txt")));
        Assert.True(PathIdentity.SameFile(list, tmp.Combine("dir", "linked.txt")));
        File.WriteAllText(tmp.Combine("copy.txt"), "2007_000032\n");
        Assert.False(PathIdentity.SameFile(list, tmp.Combine("copy.txt")));
        Assert.False(PathIdentity.SameFile(list, tmp.Combine("missing.txt")));
        Assert.False(PathIdentity.SameFile(tmp.Path, tmp.Combine("dir")));
        Assert.False(PathIdentity.SameFolder(list, tmp.Combine("linked.txt")));
    }

    [Fact]
    public void A_hard_link_is_the_same_file_and_a_copy_is_not()
    {
        using var tmp = new TempDirectory();
        string list = tmp.Combine("train.txt");
        File.WriteAllText(list, "2007_000032\n");
        WsssGpuRefine.Tests.Cli.HostileInputTests.HardLink(list, tmp.Combine("second-name.txt"));
        File.Copy(list, tmp.Combine("copy.txt"));
        Assert.True(PathIdentity.SameFile(tmp.Combine("second-name.txt"), list));
        Assert.False(PathIdentity.SameFile(tmp.Combine("copy.txt"), list));
        // The names differ, so only the file system's identity (device and inode) can tell.
        Assert.NotEqual(PathIdentity.Canonical(list), PathIdentity.Canonical(tmp.Combine("second-name.txt")));
        Assert.True(UnixStat.Of(list)!.Value.SameFileAs(UnixStat.Of(tmp.Combine("second-name.txt"))!.Value));
        Assert.False(UnixStat.Of(list)!.Value.SameFileAs(UnixStat.Of(tmp.Combine("copy.txt"))!.Value));
        Assert.Null(UnixStat.Of(tmp.Combine("missing")));
        Assert.False(UnixStat.Of(list)!.Value.IsDevice);
        Assert.True(UnixStat.Of("/dev/urandom")!.Value.IsDevice);
    }

    [Fact]
    public void A_folder_not_made_yet_is_the_one_its_path_will_make()
    {
        using var tmp = new TempDirectory();
        string output = tmp.Combine("out");
        Directory.CreateSymbolicLink(tmp.Combine("link"), tmp.Path);
        Assert.True(PathIdentity.SameFolderOnceCreated(output, tmp.Combine("link", "out", "sub", "..")));
        Assert.False(PathIdentity.SameFolderOnceCreated(output, tmp.Combine("out2")));
        Assert.False(PathIdentity.SameFolder(output, output));   // what does not exist is no folder yet
        Directory.CreateDirectory(output);
        Assert.True(PathIdentity.SameFolderOnceCreated(output, tmp.Combine("link", "out")));
    }
}
