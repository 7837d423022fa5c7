using Dsd.Imaging;
using Dsd.Serialization;

using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>Which image files a restore run reads and where each result goes: IN/name.ext → OUT/name.png.</summary>
public static class RestorePlan
{
    /// <summary>
    /// Pairs every supported image of <paramref name="input"/> (a file or a folder, not recursive) with its output
    /// path. Refuses a plan that would overwrite an input or write two results to one file, comparing paths after
    /// every symbolic link is resolved and by inode (<see cref="OutputGuard"/>: an <c>--out</c> that is a link to the input folder
    /// is the input folder, a hard link to an input is that input).
    /// </summary>
    /// <exception cref="DsdException">Input missing or holding no images; an output that is an input or a duplicate (InvalidInput).</exception>
    public static IReadOnlyList<(string Input, string Output)> Make(string input, string outputDirectory)
    {
        IReadOnlyList<string> files;
        if (File.Exists(input)) files = [input];
        else if (Directory.Exists(input))
        {
            files = ImageFolder.List(input);
            if (files.Count == 0) throw new DsdException(DsdErrorKind.InvalidInput, $"{input}: no PNG, JPEG, BMP or WebP images in this folder");
        }
        else throw new DsdException(DsdErrorKind.InvalidInput, $"{input}: no such file or folder");

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var plan = new List<(string, string)>();
        foreach (var file in files)
        {
            var output = Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(file) + ".png");
            var full = ImageFolder.RealPath(output);
            OutputGuard.RefuseInputs(output, files, "input image");
            if (seen.TryGetValue(full, out var other))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{file} and {other} would both be written to {output}");
            seen[full] = file;
            plan.Add((file, output));
        }
        return plan;
    }
}
