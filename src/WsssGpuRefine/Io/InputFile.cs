using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io;

/// <summary>Every reader's file handling: I/O failures and decoding errors both become errors naming the file.</summary>
internal static class InputFile
{
    public static T Read<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (WsssInputException e)
        {
            throw e.WithFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WsssInputException(path, $"cannot read: {e.Message}", e);
        }
    }
}
