using Dsd.Features;
using static TorchSharp.torch;
using Dsd.Training;

namespace Dsd.Regressor;

/// <summary>
/// Where training batches come from. Sample k of the run is item <c>order[k mod Count]</c> of epoch k / Count, each epoch a
/// fresh permutation drawn from (seed, epoch): batch contents are a function of (seed, step) alone.
/// </summary>
public abstract class SampleSource : IDisposable
{
    readonly long seed;
    long cachedEpoch = -1;
    int[] order = [];

    protected SampleSource(long seed) => this.seed = seed;

    /// <summary>Items per epoch (images on the fly, crops in a bank).</summary>
    public abstract int Count { get; }

    /// <summary>psi inputs [B,3,c,c] and targets [B,4] for samples first … first+B−1, on <paramref name="device"/>.</summary>
    public (Tensor Inputs, Tensor Targets) Batch(long first, int size, Device device)
    {
        var items = new (long Sample, int Item)[size];
        for (var i = 0; i < size; i++) items[i] = (first + i, ItemOf(first + i));
        return Make(items, device);
    }

    /// <summary>
    /// Targets [N,4] to start a fresh psi at their constant predictor: the whole bank, or the first epoch's first
    /// four batches' worth (64 crops) on the fly. Depends only on the seed, so a run always starts the same way.
    /// </summary>
    public virtual Tensor StartingTargets()
    {
        using var scope = NewDisposeScope();
        var (_, targets) = Batch(0, Math.Min(Count, 64), CPU);
        return targets.MoveToOuterDisposeScope();
    }

    protected abstract (Tensor Inputs, Tensor Targets) Make((long Sample, int Item)[] items, Device device);

    int ItemOf(long sample)
    {
        var epoch = sample / Count;
        if (epoch != cachedEpoch)
        {
            order = Enumerable.Range(0, Count).ToArray();
            var random = SplitMix64.For(seed, SplitMix64.Purpose.EpochOrder, epoch);
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = random.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            cachedEpoch = epoch;
        }
        return order[sample % Count];
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>A fresh random crop of each image every time it is drawn; targets computed by VGG at every step.</summary>
public sealed class OnTheFlySamples(TrainingImages images, Vgg19Features vgg, double alpha, int crop, long seed) : SampleSource(seed)
{
    readonly long seed = seed;

    public override int Count => images.Count;

    protected override (Tensor Inputs, Tensor Targets) Make((long Sample, int Item)[] items, Device device)
    {
        using var scope = NewDisposeScope();
        var side = (int)(crop * alpha);
        var crops = stack(items.Select(it =>
        {
            var random = SplitMix64.For(seed, SplitMix64.Purpose.TrainCrop, it.Sample);
            return RegressorSamples.Crop(images[it.Item], side, ref random);
        }).ToArray(), 0);
        var (inputs, targets) = RegressorSamples.InputsAndTargets(vgg, crops, alpha);
        return (inputs.to(device).MoveToOuterDisposeScope(), targets.to(device).MoveToOuterDisposeScope());
    }
}

/// <summary>
/// A fixed bank of crops whose inputs and targets were computed once (<see cref="CropBank"/>): each step then costs
/// only psi's forward and backward. Position, flip and noise are drawn once per bank entry.
/// </summary>
public sealed class BankSamples(CropBank bank, long seed) : SampleSource(seed)
{
    public override int Count => (int)bank.Inputs.shape[0];

    public override Tensor StartingTargets() => bank.Targets.clone();

    protected override (Tensor Inputs, Tensor Targets) Make((long Sample, int Item)[] items, Device device)
    {
        using var scope = NewDisposeScope();
        var index = tensor(items.Select(it => (long)it.Item).ToArray());
        return (bank.Inputs.index_select(0, index).to(device).MoveToOuterDisposeScope(),
            bank.Targets.index_select(0, index).to(device).MoveToOuterDisposeScope());
    }
}
