namespace Dsd;

/// <summary>
/// The largest counts a command line or config may ask for, each far above any real use and low enough that a typo
/// (2000000000 crops, a batch of a million) is refused before anything is allocated instead of filling memory or
/// running for days.
/// </summary>
public static class WorkLimits
{
    /// <summary>Optimiser or experiment steps: ten million is months of training on a CPU.</summary>
    public const int MaxSteps = 10_000_000;

    /// <summary>Images or crops per forward pass.</summary>
    public const int MaxBatch = 1_024;

    /// <summary>Random crops scored per pair, validation crops per image.</summary>
    public const int MaxCrops = 10_000;

    /// <summary>A side in pixels (crop, tile, shave, resize target): the side of the largest image <c>--max-pixels</c> allows.</summary>
    public const int MaxSide = 65_536;

    /// <summary>Pixels of one training batch (batch × crop²): 16 M is a batch of 16 crops of 1024².</summary>
    public const long MaxBatchPixels = 1L << 24;
}
