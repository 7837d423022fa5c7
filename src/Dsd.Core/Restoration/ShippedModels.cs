using Dsd.Serialization;
using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>A trained generator that ships with the toolkit, and what its file says about its training.</summary>
/// <param name="Task">What it restores.</param>
/// <param name="Name"><c>dsd</c> (the perceptual stage: L1 + perceptual + DSD) or <c>l1</c> (the same network after its PSNR stage).</param>
/// <param name="Path">Its safetensors file.</param>
/// <param name="Metadata">The file's metadata: architecture, blocks, and the training summary under <c>description</c>.</param>
public sealed record ShippedModel(RestorationTask Task, string Name, string Path, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>How it was trained and what it scores (one line), as the file records it.</summary>
    public string Description => Metadata.TryGetValue(ShippedModels.DescriptionKey, out var d) ? d : "";
}

/// <summary>
/// The restoration networks we trained and ship, beside the assemblies as <c>models/{task}-{name}.safetensors</c>
/// (as the psi weights are). <c>dsd restore sr</c> uses <c>sr-dsd</c> when no <c>--model</c> is given.
/// </summary>
public static class ShippedModels
{
    /// <summary>The names a <c>--model</c> may give instead of a path, the default first.</summary>
    public static IReadOnlyList<string> Names { get; } = ["dsd", "l1"];

    /// <summary>The metadata key holding the training summary.</summary>
    public const string DescriptionKey = "description";

    /// <summary>Where the shipped weights are: <c>models/</c> beside the assemblies.</summary>
    public static string Folder => System.IO.Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>The file name of a shipped model.</summary>
    public static string FileName(RestorationTask task, string name) => $"{task.Name}-{name}.safetensors";

    /// <summary>The shipped model <paramref name="name"/> for <paramref name="task"/>, or null when this build has none.</summary>
    /// <exception cref="DsdException">The file is there but its header is unreadable (Weights).</exception>
    public static ShippedModel? Find(RestorationTask task, string name, string? folder = null)
    {
        var path = System.IO.Path.Combine(folder ?? Folder, FileName(task, name));
        if (!File.Exists(path)) return null;
        try { return new ShippedModel(task, name, path, SafeTensors.LoadMetadata(path)); }
        catch (DsdException e) { throw new DsdException(DsdErrorKind.Weights, e.Message, e); }
    }

    /// <summary>The shipped models of <paramref name="task"/> that this build has, in <see cref="Names"/> order.</summary>
    public static IReadOnlyList<ShippedModel> For(RestorationTask task, string? folder = null) =>
        Names.Select(n => Find(task, n, folder)).OfType<ShippedModel>().ToList();

    /// <summary>Like <see cref="Find"/>, but a missing model is an error that says where it was looked for.</summary>
    /// <exception cref="DsdException">Not shipped in this build (Weights).</exception>
    public static ShippedModel Require(RestorationTask task, string name, string? folder = null) => Find(task, name, folder)
        ?? throw new DsdException(DsdErrorKind.Weights,
            $"{System.IO.Path.Combine(folder ?? Folder, FileName(task, name))}: the shipped {task.Name} model '{name}' is missing from this installation; give a checkpoint with --model");

    /// <summary>The shipped generator <paramref name="name"/> for <paramref name="task"/>, in eval mode: the library's one call.</summary>
    public static nn.Module<Tensor, Tensor> Load(RestorationTask task, string name = "dsd", Device? device = null) =>
        RestorationNetworks.Load(task, Require(task, name).Path, device: device);
}
