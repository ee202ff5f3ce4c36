namespace Orch.Security;

/// <summary>Private keys on disk: created 0600 from the first byte (never chmod'ed after), written whole or not at all.</summary>
public static class KeyFile
{
    public static void WritePrivate(string path, string pem)
    {
        var temp = path + ".tmp";
        File.Delete(temp);
        using (var f = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            f.Write(System.Text.Encoding.ASCII.GetBytes(pem));
            f.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
