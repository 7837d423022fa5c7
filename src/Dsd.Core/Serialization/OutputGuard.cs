namespace Dsd.Serialization;

/// <summary>
/// The check every command makes before it writes: an output must not be one of its inputs under another name. Outputs are
/// written to a temporary file and renamed over the target, so writing to an input replaces it. Two paths are one file when
/// they are equal after every symbolic link is resolved, or when both exist and are the same inode on the same device
/// (a hard link, or a spelling that differs only in case on a case-insensitive file system).
/// </summary>
public static class OutputGuard
{
    /// <exception cref="DsdException">InvalidInput naming the output and the input it would replace.</exception>
    /// <param name="output">The file about to be written.</param>
    /// <param name="inputs">The files the command reads.</param>
    /// <param name="what">What the inputs are, for the message ("input image", "input").</param>
    /// <param name="option">The option that named the output.</param>
    public static void RefuseInputs(string output, IEnumerable<string> inputs, string what = "input", string option = "--out")
    {
        var real = RealPath(output);
        var identity = FileIdentity.Of(output);
        foreach (var input in inputs)
            if (SameFile(real, identity, input))
                throw new DsdException(DsdErrorKind.InvalidInput,
                    $"{output}: the result would overwrite the {what} {input}{(output == input ? "" : " (the same file under another name)")}; choose another {option}");
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> name one file (see the class summary).</summary>
    public static bool SameFile(string a, string b) => SameFile(RealPath(a), FileIdentity.Of(a), b);

    static bool SameFile(string realA, FileIdentity identityA, string b)
    {
        string realB;
        // An input whose links loop names no file the output could be; reading it fails later, as that input's own error.
        try { realB = RealPath(b); }
        catch (DsdException) { return false; }
        if (string.Equals(realA, realB, StringComparison.Ordinal)) return true;
        var identityB = FileIdentity.Of(b);
        if (identityA.SameFileAs(identityB)) return true;
        // Without inode numbers (not Linux), the common case-insensitive file systems (Windows, macOS) are assumed.
        return identityA.Type == FileType.Unknown && identityB.Type == FileType.Unknown
            && !OperatingSystem.IsLinux() && string.Equals(realA, realB, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The path with every symbolic link resolved (in the folders above it too), whether or not the final entry exists:
    /// two paths that name the same file resolve to the same string.
    /// </summary>
    /// <exception cref="DsdException">A link loop (InvalidInput).</exception>
    public static string RealPath(string path) => RealPath(path, 0, path);

    static string RealPath(string path, int hops, string original)
    {
        const int MaxHops = 40; // Linux's limit on links followed in one lookup
        if (hops > MaxHops) throw new DsdException(DsdErrorKind.InvalidInput, $"{original}: too many levels of symbolic links (a loop?)");
        var full = Path.GetFullPath(path);
        var parent = Path.GetDirectoryName(full);
        if (parent is null) return full;
        var realParent = RealPath(parent, hops, original);
        var candidate = Path.Combine(realParent, Path.GetFileName(full));
        string? link;
        try { link = new FileInfo(candidate).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return candidate; }
        return link is null ? candidate : RealPath(Path.IsPathRooted(link) ? link : Path.Combine(realParent, link), hops + 1, original);
    }
}
