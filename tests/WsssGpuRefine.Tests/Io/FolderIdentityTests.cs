using WsssGpuRefine.Io;
using WsssGpuRefine.Tests.Cli;

namespace WsssGpuRefine.Tests.Io;

public class FolderIdentityTests
{
    [Fact]
    public void A_folder_is_itself_however_the_path_is_written()
    {
        using var tmp = new TempDirectory();
        string a = tmp.Combine("a");
        Directory.CreateDirectory(Path.Combine(a, "sub"));
        Assert.True(FolderIdentity.Same(a, a + Path.DirectorySeparatorChar));
        Assert.True(FolderIdentity.Same(a, Path.Combine(a, "sub", "..")));
        Assert.True(FolderIdentity.Same(a, Path.Combine(a, ".", ".")));
        Assert.False(FolderIdentity.Same(a, Path.Combine(a, "sub")));
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
            Assert.True(FolderIdentity.Same(alias, target), alias);
            Assert.Equal(FolderIdentity.Canonical(target), FolderIdentity.Canonical(alias));
        }
        Assert.False(FolderIdentity.Same(tmp.Combine("up"), target));
    }

    [Fact]
    public void A_missing_folder_or_a_link_loop_is_no_other_folder()
    {
        using var tmp = new TempDirectory();
        string a = tmp.Combine("a");
        Directory.CreateDirectory(a);
        Assert.False(FolderIdentity.Same(tmp.Combine("missing"), a));
        Assert.False(FolderIdentity.Same(a, tmp.Combine("missing")));
        Assert.False(FolderIdentity.Same(tmp.Combine("missing"), tmp.Combine("missing")));
        Directory.CreateSymbolicLink(tmp.Combine("loop1"), tmp.Combine("loop2"));
        Directory.CreateSymbolicLink(tmp.Combine("loop2"), tmp.Combine("loop1"));
        Assert.False(FolderIdentity.Same(tmp.Combine("loop1"), a));
        // Resolving gives up after Linux's limit of links instead of recursing forever.
        Assert.StartsWith(tmp.Path, FolderIdentity.Canonical(tmp.Combine("loop1", "x")));
    }
}
