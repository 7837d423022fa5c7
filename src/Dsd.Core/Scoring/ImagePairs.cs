using Dsd.Imaging;

namespace Dsd.Scoring;

/// <summary>One distorted image and its reference (null for no-reference scoring).</summary>
public sealed record ImagePair(string Distorted, string? Reference);

/// <summary>The pairs to score plus the files that could not be paired.</summary>
public sealed record PairingPlan(IReadOnlyList<ImagePair> Pairs, IReadOnlyList<string> Warnings);

/// <summary>
/// Pairs distorted images with references. Folder vs folder pairs by file stem (any supported extension) and never
/// by sort order; file vs folder scores every distorted image against the one reference.
/// </summary>
public static class ImagePairs
{
    /// <param name="distorted">A distorted image or a folder of them.</param>
    /// <param name="reference">A reference image, a folder of them, or null for no-reference scoring.</param>
    /// <param name="distortedSuffix">Removed from distorted stems before pairing (e.g. <c>_SRGAN-VGG54</c>: baby_SRGAN-VGG54.png ↔ baby.png);
    /// distorted files whose stem lacks it are left unpaired.</param>
    /// <param name="referenceSuffix">The same for reference stems (e.g. <c>_HR</c>).</param>
    public static PairingPlan Plan(string distorted, string? reference, string distortedSuffix = "", string referenceSuffix = "")
    {
        var distFiles = List(distorted, "--dist");
        if (reference is null)
            return new PairingPlan(distFiles.Select(d => new ImagePair(d, null)).ToList(), []);
        if (File.Exists(reference))
            return new PairingPlan(distFiles.Select(d => new ImagePair(d, reference)).ToList(), []);
        if (!Directory.Exists(reference))
            throw new DsdException(DsdErrorKind.InvalidInput, $"{reference}: no such file or folder");
        if (File.Exists(distorted))
            throw new DsdException(DsdErrorKind.InvalidInput, $"{reference}: a reference folder needs a distorted folder, but {distorted} is a file");

        var warnings = new List<string>();
        var refs = ByStem(List(reference, "--ref"), reference, referenceSuffix, warnings);
        var dists = ByStem(distFiles, distorted, distortedSuffix, warnings);
        var pairs = new List<ImagePair>();
        foreach (var (stem, dist) in dists.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (refs.TryGetValue(stem, out var r)) pairs.Add(new ImagePair(dist, r));
            else warnings.Add($"{dist}: no reference named {stem}{referenceSuffix}.* in {reference}; skipped");
        }
        foreach (var (stem, r) in refs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (!dists.ContainsKey(stem)) warnings.Add($"{r}: no distorted image named {stem}{distortedSuffix}.* in {distorted}; skipped");
        if (pairs.Count == 0)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"{distorted} and {reference}: no file names pair up ({dists.Count} distorted, {refs.Count} references){SuffixHint(dists.Keys, refs.Keys)}");
        return new PairingPlan(pairs, warnings);
    }

    /// <summary>
    /// "; did you mean --dist-suffix _x2 (pairs 5)?" when the stems of one side are the other's plus a common ending,
    /// e.g. baby_SRGAN.png beside baby.png.
    /// </summary>
    static string SuffixHint(IEnumerable<string> distStems, IEnumerable<string> refStems)
    {
        static (string Suffix, int Count)? Common(IReadOnlyCollection<string> longer, IReadOnlyCollection<string> shorter) =>
            longer.SelectMany(l => shorter.Where(s => l.Length > s.Length && l.StartsWith(s, StringComparison.Ordinal)).Select(s => l[s.Length..]))
                .GroupBy(x => x).Select(g => (g.Key, g.Count())).OrderByDescending(g => g.Item2).Cast<(string, int)?>().FirstOrDefault();
        var (d, r) = (distStems.ToList(), refStems.ToList());
        if (Common(d, r) is { } dist) return $"; did you mean --dist-suffix {dist.Suffix} (pairs {dist.Count})?";
        if (Common(r, d) is { } refs) return $"; did you mean --ref-suffix {refs.Suffix} (pairs {refs.Count})?";
        return "";
    }

    static List<string> List(string path, string option)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: no such file or folder ({option})");
        var files = ImageFolder.List(path).ToList();
        if (files.Count == 0)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: folder holds no PNG, JPEG, BMP or WebP images ({option})");
        return files;
    }

    static Dictionary<string, string> ByStem(List<string> files, string folder, string suffix, List<string> warnings)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            var stem = Path.GetFileNameWithoutExtension(f);
            if (!stem.EndsWith(suffix, StringComparison.Ordinal))
            {
                warnings.Add($"{f}: name does not end in {suffix}; skipped");
                continue;
            }
            stem = stem[..^suffix.Length];
            if (!result.TryAdd(stem, f))
                throw new DsdException(DsdErrorKind.InvalidInput,
                    $"{folder}: two images share the name {stem} ({Path.GetFileName(result[stem])}, {Path.GetFileName(f)}); pairing by name would be ambiguous");
        }
        return result;
    }
}
