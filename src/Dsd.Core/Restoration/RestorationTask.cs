using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>How a missing input is made from a target when a folder holds targets only.</summary>
public enum MissingInput
{
    /// <summary>MATLAB-style bicubic ↓scale of the whole image, once, quantised to 8 bits (as a saved LR file).</summary>
    BicubicDownscale,

    /// <summary>A fresh synthetic camera-shake kernel per patch, plus mild noise.</summary>
    MotionBlur,
}

/// <summary>Where a folder keeps its pairs: target and input subfolders, or suffixes of files side by side.</summary>
/// <param name="TargetFolder">Subfolder of targets (<c>HR</c>, <c>sharp</c>).</param>
/// <param name="InputFolders">Subfolders of inputs matched by file stem, the first that exists (<c>LR</c>; <c>blur</c>, <c>blurred</c>).</param>
/// <param name="TargetSuffix">Stem suffix of a target beside its input (<c>_HR</c>, <c>_gt</c>).</param>
/// <param name="InputSuffix">Stem suffix of that input (<c>_LR</c>, or none: <c>X.png</c> beside <c>X_gt.png</c>).</param>
public sealed record PairLayout(string TargetFolder, IReadOnlyList<string> InputFolders, string TargetSuffix, string InputSuffix);

/// <summary>
/// What a restoration network does, as a catalogue entry: the CLI name, the architecture that does it, how its
/// training folders are laid out and how a missing input is made. Commands, data loading, validation and checkpoints
/// read these fields instead of branching on the task.
/// </summary>
public sealed class RestorationTask
{
    RestorationTask(string name, string title, RestorationNetwork network, PairLayout layout, MissingInput missingInput) =>
        (Name, Title, Network, Layout, MissingInput) = (name, title, network, layout, missingInput);

    /// <summary>×4 super-resolution with xSRResNet.</summary>
    public static RestorationTask SuperResolution { get; } = new("sr", "×4 super-resolution", RestorationNetwork.XSrResNet,
        new PairLayout("HR", ["LR"], "_HR", "_LR"), MissingInput.BicubicDownscale);

    /// <summary>Deblurring with the deblurring network.</summary>
    public static RestorationTask Deblur { get; } = new("deblur", "deblurring", RestorationNetwork.DeblurNet,
        new PairLayout("sharp", ["blur", "blurred"], "_gt", ""), MissingInput.MotionBlur);

    /// <summary>Every task, in the order commands list them.</summary>
    public static IReadOnlyList<RestorationTask> All { get; } = [SuperResolution, Deblur];

    /// <summary>The CLI and config name: <c>sr</c>, <c>deblur</c>.</summary>
    public string Name { get; }

    /// <summary>What it does, for help texts.</summary>
    public string Title { get; }

    /// <summary>The architecture trained and run for this task.</summary>
    public RestorationNetwork Network { get; }

    /// <summary>The folder layouts of its training and validation pairs.</summary>
    public PairLayout Layout { get; }

    /// <summary>How an input is made when a folder holds targets only.</summary>
    public MissingInput MissingInput { get; }

    /// <summary>Output pixels per input pixel along each side (the network's).</summary>
    public int Scale => Network.Scale;

    /// <summary>The entry named <paramref name="name"/>.</summary>
    /// <exception cref="DsdException">No such task (InvalidInput, naming those that exist).</exception>
    public static RestorationTask Parse(string name) => All.FirstOrDefault(t => t.Name == name)
        ?? throw new DsdException(DsdErrorKind.InvalidInput, $"unknown restoration task '{name}' (use {string.Join(" or ", All.Select(t => t.Name))})");

    public override string ToString() => Name;
}
