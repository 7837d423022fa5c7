using Dsd.Dissimilarity;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>Everything a metric may need; unset parts take the defaults SPEC §2 and §7 give.</summary>
public sealed record MetricOptions
{
    /// <summary>torchvision VGG19 weights (keys features.N.weight|bias) for the VGG-based metrics.</summary>
    public IReadOnlyDictionary<string, Tensor>? VggWeights { get; init; }

    /// <summary>Names the weights in error messages.</summary>
    public string VggSource { get; init; } = "VGG19 weights";

    public Device Device { get; init; } = CPU;

    /// <summary>Layers and α of the <c>dsd</c> metric (image-quality default).</summary>
    public DsdOptions Dsd { get; init; } = DsdOptions.ImageQuality;

    /// <summary>Layer of the <c>perceptual</c> metric; null: conv5_4 when the weights cover it, else relu2_2.</summary>
    public string? PerceptualLayer { get; init; }

    /// <summary>Pixels cut from every border before PSNR and SSIM (4 is the ×4 super-resolution convention).</summary>
    public int Shave { get; init; }

    /// <summary>SSIM channels: <c>y</c> (default, BT.601 luma), <c>rgb</c> (the reference evaluator's) or <c>gray</c> (MATLAB rgb2gray).</summary>
    public string SsimChannels { get; init; } = "y";

    /// <summary>psi weights for <c>noref-dsd</c> (safetensors or PyTorch state dict).</summary>
    public string? RegressorPath { get; init; }

    /// <summary>The α psi was trained for (4, the reference evaluator's, or 2).</summary>
    public double NoReferenceAlpha { get; init; } = 4;

    /// <summary>Folder of the shipped psi weights (null: <see cref="ShippedRegressors.Folder"/>).</summary>
    public string? ModelsFolder { get; init; }

    /// <summary>Tile side <c>noref-dsd</c> averages over; null: psi's training crop 80·α; 0: the whole image.</summary>
    public int? NoReferenceTile { get; init; }
}
