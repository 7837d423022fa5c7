using System.Text.RegularExpressions;
using Dsd.Serialization;

namespace Dsd.Weights;

/// <summary>The outcome of converting a weights file into the cache.</summary>
/// <param name="CachePath">The written <c>vgg19-features.safetensors</c>.</param>
/// <param name="SourceSha256">SHA-256 of the source file.</param>
/// <param name="Covered">The convolutions the conversion holds.</param>
public sealed record VggImportResult(string CachePath, string SourceSha256, IReadOnlyList<VggConv> Covered);

/// <summary>
/// Converts a VGG19 checkpoint (.pth legacy or zip, or .safetensors) into the compact cache file: only the
/// <c>features.*</c> tensors as float32, written atomically with metadata naming the source and its SHA-256.
/// </summary>
public static partial class VggWeightImporter
{
    /// <summary>
    /// Imports <paramref name="sourceFile"/>. When its name (or <paramref name="sourceName"/>, e.g. the URL's file
    /// name) ends in torchvision's <c>-xxxxxxxx</c> hash suffix, the file's SHA-256 must start with those digits.
    /// </summary>
    public static VggImportResult Import(string sourceFile, VggWeightsOptions options, string? sourceName = null, string? sourceUrl = null)
    {
        if (!File.Exists(sourceFile))
            throw new DsdException(DsdErrorKind.Weights, $"{sourceFile}: weights file not found");
        var sha = VggWeightStore.Sha256Of(sourceFile);
        VerifyHashSuffix(sourceName ?? Path.GetFileName(sourceFile), sha, sourceFile);
        var state = VggWeightStore.LoadNormalised(sourceFile);
        try
        {
            var metadata = new Dictionary<string, string>
            {
                ["format"] = "dsd-vgg19-features-v1",
                ["source_file"] = sourceName ?? Path.GetFileName(sourceFile),
                ["source_sha256"] = sha,
            };
            if (sourceUrl is not null) metadata["source_url"] = sourceUrl;
            SafeTensors.Save(options.CachePath, state, metadata);
            var covered = Vgg19Layout.Convs.Where(c => state.ContainsKey(c.WeightKey)).ToList();
            return new VggImportResult(options.CachePath, sha, covered);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>The 8 hex digits of a torchvision-style name such as <c>vgg19-dcbb9e9d.pth</c>, or null.</summary>
    public static string? ExpectedHashPrefix(string fileName)
    {
        var m = HashSuffix().Match(fileName);
        return m.Success ? m.Groups[1].Value.ToLowerInvariant() : null;
    }

    /// <summary>Throws a checksum error when <paramref name="fileName"/> carries a hash prefix that <paramref name="sha256"/> does not start with.</summary>
    public static void VerifyHashSuffix(string fileName, string sha256, string shownPath)
    {
        if (ExpectedHashPrefix(fileName) is { } prefix && !sha256.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            throw new DsdException(DsdErrorKind.Weights,
                $"{shownPath}: checksum mismatch: SHA-256 {sha256[..16]}… does not start with {prefix} as the name {fileName} requires (corrupt or incomplete download?)");
    }

    [GeneratedRegex(@"-([0-9a-fA-F]{8})\.(?:pth|pt|safetensors)$")]
    private static partial Regex HashSuffix();
}
