namespace Dsd.Networks;

/// <summary>What psi is trained to predict.</summary>
public enum RegressorTarget
{
    /// <summary>‖DSD_α^l‖₁ itself, by mean squared error (the paper's psi).</summary>
    Norm,

    /// <summary>A mean μ and spread σ of log ‖DSD_α^l‖₁ per layer, by Gaussian negative log-likelihood.</summary>
    LogNormal,
}
