using Dsd.Imaging;

using Dsd.Training;

namespace Dsd.Restoration;

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
/// <remarks>
/// Every file's header is read here (cheap, no pixels decoded), so a corrupt, unreadable or oversized file is found before
/// training starts. With a <c>failed</c> list the pairs it touches are left out and each reason is added to the list;
/// without one the first such file throws.
/// </remarks>
public static class TrainingPairs
{
    public static IReadOnlyList<ImagePair> Find(string folder, RestorationTask task, List<string>? failed = null)
    {
        var pairs = Layout(folder, task);
        var usable = new List<ImagePair>();
        foreach (var pair in pairs)
        {
            try
            {
                Check(pair.Target);
                if (pair.Input is not null) Check(pair.Input);
                usable.Add(pair);
            }
            catch (DsdException e) when (failed is not null && e.Kind == DsdErrorKind.InvalidInput)
            {
                failed.Add(e.Message);
            }
        }
        if (usable.Count == 0)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{folder}: no usable PNG, JPEG, BMP or WebP images" + (failed is { Count: > 0 } ? $" ({failed.Count} could not be read)" : ""));
        return usable;
    }

    /// <summary>The header checks a full decode would fail first: readable, a supported format, within the pixel limit.</summary>
    static void Check(string path)
    {
        var size = ImageIo.ReadSize(path);
        var pixels = (long)size.Width * size.Height;
        if (pixels > ImageLimits.MaxPixels)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"{path}: {size} pixels ({ImageLimits.Describe(pixels)}) exceeds the limit of {ImageLimits.Describe(ImageLimits.MaxPixels)} (raise it with --max-pixels)");
    }

    static List<ImagePair> Layout(string folder, RestorationTask task)
    {
        if (!Directory.Exists(folder)) throw new DsdException(DsdErrorKind.InvalidInput, $"{folder}: no such folder");
        var layout = task.Layout;
        var targetDir = Sub(folder, layout.TargetFolder);
        var inputDir = layout.InputFolders.Select(f => Sub(folder, f)).FirstOrDefault(d => d is not null);
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
            var (targetSuffix, inputSuffix) = (layout.TargetSuffix, layout.InputSuffix);
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
        if (pairs.Count == 0) throw new DsdException(DsdErrorKind.InvalidInput, $"{folder}: no PNG, JPEG, BMP or WebP images");
        return pairs;
    }

    static string? Sub(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        return Directory.Exists(path) ? path : null;
    }

    static IEnumerable<string> Images(string folder) => ImageFolder.List(folder);
}
