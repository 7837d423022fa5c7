using static TorchSharp.torch;

namespace Dsd.Training;

/// <summary>A batch of aligned (input, target) patches, float32 in [0,1] (inputs may stray by the added noise).</summary>
public sealed class Batch(Tensor input, Tensor target) : IDisposable
{
    public Tensor Input { get; } = input;

    public Tensor Target { get; } = target;

    public void Dispose()
    {
        Input.Dispose();
        Target.Dispose();
    }
}
