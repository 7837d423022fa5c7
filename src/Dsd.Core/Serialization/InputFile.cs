namespace Dsd.Serialization;

/// <summary>
/// The check every reader makes before it opens a file: the path must name a regular file. A named pipe called
/// <c>a.png</c> would make the open wait for a writer forever (and the other inputs' results would never be written); a
/// character device such as <c>/dev/zero</c> never ends; a socket cannot be opened at all.
/// </summary>
public static class InputFile
{
    /// <summary>Throws unless <paramref name="path"/> (after symbolic links) is a regular file.</summary>
    /// <param name="path">The file about to be opened.</param>
    /// <param name="kind">The error kind of the caller's inputs (InvalidInput for images and JSON, Weights for weight files).</param>
    /// <exception cref="DsdException">Missing, a directory, pipe, device or socket, with the path and what it is.</exception>
    public static void RequireRegular(string path, DsdErrorKind kind)
    {
        var type = FileIdentity.Of(path).Type;
        switch (type)
        {
            case FileType.Regular:
                return;
            case FileType.Missing:
                throw new DsdException(kind, $"{path}: file not found");
            case FileType.Unknown:
                // No statx (not Linux): a pipe, device or socket reports length 0, as an empty file does; none can be read.
                if (new FileInfo(path).Length > 0) return;
                throw new DsdException(kind, $"{path}: empty, or not a regular file (a pipe, device or socket)");
            default:
                throw new DsdException(kind, $"{path}: is {FileIdentity.Describe(type)}, not a regular file");
        }
    }
}
