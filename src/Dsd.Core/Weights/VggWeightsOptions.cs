namespace Dsd.Weights;

/// <summary>
/// Where to look for VGG19 weights and where to fetch them from. Build it with <see cref="FromEnvironment"/> in
/// applications; tests construct it directly so that they never read or change the process environment.
/// </summary>
public sealed record VggWeightsOptions
{
    /// <summary>The torchvision model-zoo file; its name carries the first 8 hex digits of its SHA-256.</summary>
    public const string DefaultUrl = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth";

    /// <summary>Environment variable naming a weights file (second in the resolution order).</summary>
    public const string WeightsVariable = "DSD_VGG19_WEIGHTS";

    /// <summary>Environment variable naming the cache folder (default <c>~/.cache/dsd</c>).</summary>
    public const string HomeVariable = "DSD_HOME";

    /// <summary>Environment variable overriding <see cref="DefaultUrl"/>.</summary>
    public const string UrlVariable = "DSD_VGG19_URL";

    /// <summary>Environment variable that, when set to 1, forbids automatic downloads.</summary>
    public const string OfflineVariable = "DSD_OFFLINE";

    /// <summary>A file given on the command line (<c>--vgg-weights</c>); first in the resolution order.</summary>
    public string? ExplicitPath { get; init; }

    /// <summary>The value of <c>DSD_VGG19_WEIGHTS</c>; second in the resolution order.</summary>
    public string? EnvironmentPath { get; init; }

    /// <summary>The cache folder that holds <see cref="VggWeightStore.CacheFileName"/>; last in the resolution order.</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>Where <c>dsd weights fetch</c> downloads from.</summary>
    public string Url { get; init; } = DefaultUrl;

    /// <summary>Whether <see cref="VggWeightStore.Acquire"/> may download when no weights are found.</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>The cached conversion's full path.</summary>
    public string CachePath => Path.Combine(CacheDirectory, VggWeightStore.CacheFileName);

    /// <summary>Reads DSD_VGG19_WEIGHTS, DSD_HOME, DSD_VGG19_URL and DSD_OFFLINE; <paramref name="explicitPath"/> comes from the command line.</summary>
    public static VggWeightsOptions FromEnvironment(string? explicitPath = null)
    {
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        var home = Env(HomeVariable)
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dsd");
        return new VggWeightsOptions
        {
            ExplicitPath = string.IsNullOrEmpty(explicitPath) ? null : explicitPath,
            EnvironmentPath = Env(WeightsVariable),
            CacheDirectory = home,
            Url = Env(UrlVariable) ?? DefaultUrl,
            AllowDownload = Env(OfflineVariable) is not ("1" or "true" or "yes"),
        };
    }
}
