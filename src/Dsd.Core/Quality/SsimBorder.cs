namespace Dsd.Quality;

/// <summary>How the SSIM Gaussian window treats the image border.</summary>
public enum SsimBorder
{
    /// <summary>
    /// Only windows that lie inside the image ('valid' filtering, map (H−10)×(W−10)): Wang et al.'s MATLAB
    /// <c>ssim_index</c>, BasicSR and pyiqa.
    /// </summary>
    Valid,

    /// <summary>
    /// Zero padding of 5 pixels, map H×W ('same'), averaged over the whole map: the widespread PyTorch
    /// <c>pytorch_ssim</c> convention that the reference DSD evaluator's iqa utilities use.
    /// </summary>
    ZeroPadded,
}
