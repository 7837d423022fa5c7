namespace Dsd.Serialization;

/// <summary>Writes a file so that readers see either the old content or the complete new one, never a partial file.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Called with the target path once a write has filled and flushed its temp file, just before the rename makes it
    /// visible. A test hook, internal and null in the tool: tests/Dsd.TestHost sets it to kill the process there.
    /// </summary>
    internal static Action<string>? BeforeRename { get; set; }

    /// <summary>Writes through <paramref name="write"/> into a temp file beside <paramref name="path"/>, then renames it.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            BeforeRename?.Invoke(full);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e)
        {
            try { File.Delete(temp); } catch (IOException) { }
            // The user named path, not our temporary file: say why path cannot be written, in one line (exit 5).
            if (e is IOException or UnauthorizedAccessException)
                throw new DsdException(DsdErrorKind.Io, $"{path}: cannot write ({Reason(e, temp)})", e);
            throw;
        }
    }

    /// <summary>The system's reason without the temporary file's name (.NET appends " : 'PATH'" to many messages).</summary>
    static string Reason(Exception e, string temp) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "no such folder",
        FileNotFoundException => "cannot create a file in that folder",
        _ => e.Message.Replace($" : '{temp}'", "", StringComparison.Ordinal).Replace($"'{temp}'", "the file", StringComparison.Ordinal).TrimEnd('.'),
    };

    /// <summary>Writes text atomically (UTF-8, no BOM).</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => { var b = new System.Text.UTF8Encoding(false).GetBytes(text); s.Write(b); });
}
