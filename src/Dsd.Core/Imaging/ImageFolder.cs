using Dsd.Serialization;

namespace Dsd.Imaging;

/// <summary>
/// The image entries of a folder, as every command lists them: names with a supported extension, sorted ordinally,
/// not recursive. Entries that cannot be images (a directory named <c>x.png</c>, a dangling or looping symbolic link) are
/// listed too, so that loading them fails with a per-file error instead of their being skipped without a word.
/// </summary>
public static class ImageFolder
{
    /// <exception cref="DsdException">The folder is missing or cannot be listed (InvalidInput).</exception>
    public static IReadOnlyList<string> List(string folder)
    {
        if (!Directory.Exists(folder)) throw new DsdException(DsdErrorKind.InvalidInput, $"{folder}: no such folder");
        try
        {
            return Directory.EnumerateFileSystemEntries(folder).Where(ImageIo.IsSupported).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.InvalidInput, $"{folder}: cannot list the folder: {e.Message}", e);
        }
    }

    /// <summary>
    /// The path with every symbolic link resolved (in the folders above it too), whether or not the final entry exists:
    /// two paths that name the same file resolve to the same string.
    /// </summary>
    /// <exception cref="DsdException">A link loop (InvalidInput).</exception>
    public static string RealPath(string path) => OutputGuard.RealPath(path);

    /// <summary>
    /// The name each image's results are written under, one per file: its stem (<c>a.png</c> → <c>a</c>), or its whole file
    /// name when another image shares the stem, compared without regard to case (<c>a.png</c>, <c>a.jpg</c>, <c>a.PNG</c> →
    /// <c>a.png</c>, <c>a.jpg</c>, <c>a.PNG</c>), so no two results overwrite each other. (Whole names that differ only in
    /// case come from a case-sensitive folder; written to a case-insensitive one they would still meet.)
    /// </summary>
    /// <exception cref="DsdException">Two inputs whose names would still collide (InvalidInput), naming both.</exception>
    public static IReadOnlyList<string> OutputNames(IReadOnlyList<string> files)
    {
        var shared = files.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var names = files.Select(f => shared.Contains(Path.GetFileNameWithoutExtension(f)) ? Path.GetFileName(f) : Path.GetFileNameWithoutExtension(f)).ToList();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
            if (!seen.TryAdd(names[i], files[i]))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{files[i]} and {seen[names[i]]} would both be written as {names[i]}; rename one");
        return names;
    }
}
