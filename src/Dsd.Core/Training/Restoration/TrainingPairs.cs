using Dsd.Imaging;
using Dsd.Restoration;

namespace Dsd.Training.Restoration;

/// <summary>A training or validation example on disk: the target (HR or sharp) and, when the folder has one, its degraded input.</summary>
public sealed record ImagePair(string Target, string? Input)
{
    public string Name => Path.GetFileNameWithoutExtension(Target);
}

/// <summary>
/// Finds image pairs in a folder, in the layouts in use:
/// <list type="bullet">
/// <item>SR: <c>HR/</c> and <c>LR/</c> subfolders matched by file name (stem), or <c>X_HR.png</c> / <c>X_LR.png</c> side by side
/// (the sr-benchmarks layout, e.g. <c>img_001_SRF_4_HR.png</c>);</item>
/// <item>deblurring: <c>sharp/</c> and <c>blur/</c> (or <c>blurred/</c>) subfolders (GoPro), or <c>X_gt.png</c> beside the blurred <c>X.png</c>;</item>
/// <item>anything else: every image is a target, its input made on the fly (bicubic ↓4, or synthetic motion blur).</item>
/// </list>
/// </summary>
public static class TrainingPairs
{
    public static IReadOnlyList<ImagePair> Find(string folder, RestorationTask task)
    {
        if (!Directory.Exists(folder)) throw new DsdException(DsdErrorKind.InvalidInput, $"{folder}: no such folder");
        var (targetDir, inputDir) = task == RestorationTask.SuperResolution
            ? (Sub(folder, "HR"), Sub(folder, "LR"))
            : (Sub(folder, "sharp"), Sub(folder, "blur") ?? Sub(folder, "blurred"));
        List<ImagePair> pairs;
        if (targetDir is not null && inputDir is not null)
        {
            var inputs = Images(inputDir).ToDictionary(f => Path.GetFileNameWithoutExtension(f)!, StringComparer.Ordinal);
            pairs = Images(targetDir).Select(t => new ImagePair(t, inputs.TryGetValue(Path.GetFileNameWithoutExtension(t), out var i) ? i
                : throw new DsdException(DsdErrorKind.InvalidInput, $"{t}: no input of the same name in {inputDir}"))).ToList();
        }
        else
        {
            var files = Images(folder).ToList();
            var (targetSuffix, inputSuffix) = task == RestorationTask.SuperResolution ? ("_HR", "_LR") : ("_gt", "");
            var stems = files.ToDictionary(f => Path.GetFileNameWithoutExtension(f)!, StringComparer.Ordinal);
            var targets = files.Where(f => Path.GetFileNameWithoutExtension(f).EndsWith(targetSuffix, StringComparison.Ordinal)).ToList();
            if (targets.Count > 0)
                pairs = targets.Select(t =>
                {
                    var stem = Path.GetFileNameWithoutExtension(t);
                    var inputStem = stem[..^targetSuffix.Length] + inputSuffix;
                    return new ImagePair(t, stems.TryGetValue(inputStem, out var i) ? i
                        : throw new DsdException(DsdErrorKind.InvalidInput, $"{t}: no {inputStem} beside it"));
                }).ToList();
            else
                pairs = files.Select(f => new ImagePair(f, null)).ToList();
        }
        if (pairs.Count == 0) throw new DsdException(DsdErrorKind.InvalidInput, $"{folder}: no PNG, JPEG or BMP images");
        return pairs;
    }

    static string? Sub(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        return Directory.Exists(path) ? path : null;
    }

    static IEnumerable<string> Images(string folder) =>
        Directory.EnumerateFiles(folder).Where(ImageIo.IsSupported).Order(StringComparer.Ordinal);
}
