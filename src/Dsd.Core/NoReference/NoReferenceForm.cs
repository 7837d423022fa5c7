namespace Dsd.NoReference;

/// <summary>
/// How the no-reference DSD turns psi's prediction and the measured norms into one number (docs/method.md §3). All
/// forms are lower-is-more-natural and averaged over tiles the same way.
/// </summary>
public enum NoReferenceForm
{
    /// <summary>The paper's Q: mean over layers of |psi_l − ‖DSD_l‖₁|.</summary>
    Paper,

    /// <summary>Mean over layers of |log ‖DSD_l‖₁ − μ_l|: a relative error, so no layer dominates by its scale.</summary>
    Log,

    /// <summary>Mean over layers of |log ‖DSD_l‖₁ − μ_l| / σ_l, with psi's own spread σ_l (needs a log-normal psi).</summary>
    ZScore,

    /// <summary>
    /// A weighted sum of the per-layer z-scores, their signs and their differences between layers, with weights
    /// learned from synthetic distortions of natural photos (<see cref="NoReferenceCalibration"/>).
    /// </summary>
    Calibrated,

    /// <summary>
    /// A linear function of how each layer's energy falls across x, x↓α and x↓α², and of psi's μ
    /// (<see cref="ScaleConsistency"/>): orders mild noise as well as blur, JPEG and resampling.
    /// </summary>
    Consistency,
}

/// <summary>Names of <see cref="NoReferenceForm"/> on the command line and in results.</summary>
public static class NoReferenceForms
{
    public static IReadOnlyList<string> Names { get; } = ["paper", "log", "zscore", "calibrated", "consistency"];

    public static string Name(this NoReferenceForm form) => Names[(int)form];

    /// <exception cref="DsdException">Not a form name (Usage).</exception>
    public static NoReferenceForm Parse(string name)
    {
        var i = Names.ToList().IndexOf(name.Trim().ToLowerInvariant());
        return i >= 0 ? (NoReferenceForm)i
            : throw new DsdException(DsdErrorKind.Usage, $"--noref-form: '{name}' is not one of {string.Join(", ", Names)}");
    }

    /// <summary>Whether <paramref name="form"/> needs a log-normal psi (its spread σ, or its μ of the log norms).</summary>
    public static bool NeedsSpread(this NoReferenceForm form) => form is NoReferenceForm.ZScore or NoReferenceForm.Calibrated or NoReferenceForm.Consistency;
}
