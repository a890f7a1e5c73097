"""Method descriptions and formulas shown in the report's methods section.

Texts follow the project's methods reference (docs: methods-reference §1–§12); each entry is
``(title_zh, title_en, formula)``. Step descriptions are keyed ``"<step>:<method>"`` (or just
``"<step>"``); analysis descriptions by the section they belong to.
"""
from __future__ import annotations

from typing import Any

__all__ = ["STEP_FORMULAS", "SECTION_FORMULAS", "step_formula", "STEP_NAMES"]

STEP_NAMES: dict[str, tuple[str, str]] = {
    "quality": ("数据质量筛查", "Data-quality screen"), "derive": ("指标构造", "Indicator derivation"), "impute": ("缺失值插补", "Imputation"),
    "screen": ("数据筛选", "Screening"), "treat": ("异常值处理", "Outlier treatment"),
    "normalise": ("无量纲化", "Normalisation"), "weight": ("赋权", "Weighting"), "aggregate": ("加总", "Aggregation"),
}

STEP_FORMULAS: dict[str, tuple[str, str, str]] = {
    "normalise:minmax": ("极差标准化（§1）", "Min–max normalisation (§1)",
                         "benefit: z = (x − min) / (max − min);  cost: z = (max − x) / (max − min)\n"
                         "pooled scope: min/max over all unit-years (comparable over time); year scope: within each year"),
    "normalise:zscore": ("Z分数标准化（§1）", "z-score (§1)", "z = (x − x̄) / s"),
    "normalise:ratio_max": ("比值标准化（§1）", "Ratio to maximum (§1)", "benefit: z = x / max;  cost: z = min / x"),
    "normalise:vector": ("向量标准化（§1）", "Vector normalisation (§1)", "z_ij = x_ij / sqrt(Σ_i x_ij²)"),
    "normalise:percentile_rank": ("百分位秩（§1）", "Percentile rank (§1)", "z = rank(x) / n"),
    "normalise:rank": ("秩标准化（§1）", "Rank (§1)", "z = rank(x)"),
    "weight:entropy": ("熵值法（§2.1）", "Entropy weights (§2.1)",
                       "p_ij = z_ij / Σ_i z_ij;  e_j = −(1/ln n) Σ_i p_ij ln p_ij;  d_j = 1 − e_j;  w_j = d_j / Σ_k d_k\n"
                       "panel (pooled): sums over all (t, i) and ln(nT) (Yang & Sun 2015)"),
    "weight:critic": ("CRITIC法（§2.3）", "CRITIC (§2.3)", "C_j = σ_j Σ_k (1 − r_jk);  w_j = C_j / Σ_k C_k"),
    "weight:cv": ("变异系数法（§2.4）", "Coefficient of variation (§2.4)", "V_j = s_j / x̄_j;  w_j = V_j / Σ_k V_k"),
    "weight:equal": ("等权", "Equal weights", "w_j = 1 / m within each parent"),
    "weight:pca": ("主成分赋权", "PCA weights", "weights from the retained principal components' loadings"),
    "weight:given": ("给定权重", "Given weights", "w_j as in the framework"),
    "weight:ahp": ("层次分析法（§2.5）", "AHP (§2.5)", "w = normalised principal eigenvector of A;  CR = CI / RI < 0.10"),
    "weight:combined": ("组合赋权（§2.5）", "Combined weights (§2.5)", "linear, multiplicative or game-theoretic combination"),
    "aggregate:arithmetic": ("加权算术平均（§3）", "Weighted arithmetic mean (§3)", "S_i = Σ_j w_j z_ij, up the hierarchy"),
    "aggregate:geometric": ("加权几何平均（§3）", "Weighted geometric mean (§3)", "S_i = Π_j z_ij^{w_j}  (z > 0)"),
    "aggregate:topsis": ("熵权TOPSIS（§2.2）", "TOPSIS (§2.2)",
                         "D⁺ = sqrt(Σ_j (v_ij − v_j⁺)²), D⁻ = sqrt(Σ_j (v_ij − v_j⁻)²), C_i = D⁻ / (D⁺ + D⁻)"),
    "treat:coinr": ("COINr异常值规则", "COINr outlier rule",
                    "if |skewness| > 2 and kurtosis > 3.5: Winsorise (≤ winmax points), then log-transform if still skewed"),
    "quality": ("原始序列的数据质量筛查", "Data-quality screen of the raw series",
                "rules: carry-forwards, panel freezes, round fills, level breaks (robust z of the jump > break_z),\n"
                "implausible jumps, ratios that move against their inputs; findings are flagged (quality.csv), cells set\n"
                "missing only by recorded decisions or, in strict mode, refused"),
    "impute:linear": ("线性插值", "Linear interpolation", "x_t = x_a + (x_b − x_a)(t − a)/(b − a); ends: nearest value"),
}

SECTION_FORMULAS: dict[str, tuple[str, str, str]] = {
    "inequality": ("Dagum基尼系数分解（§4）与泰尔指数（§5）", "Dagum Gini decomposition (§4) and Theil index (§5)",
                   "G = Σ_j Σ_h Σ_i Σ_r |y_ji − y_hr| / (2 n² μ) = G_w + G_nb + G_t\n"
                   "T = (1/n) Σ_i (y_i/μ) ln(y_i/μ) = Σ_g s_g T_g + Σ_g s_g ln(s_g / p_g)"),
    "dynamics": ("核密度估计（§7）与马尔可夫链（§8）", "Kernel density (§7) and Markov chains (§8)",
                 "f̂(x) = (1/(N h)) Σ_i K((X_i − x)/h),  h = 0.9 min(σ̂, IQR/1.34) N^(−1/5)\n"
                 "p_ij = n_ij / n_i;  steady state π = π P"),
    "spatial": ("空间自相关（§9）", "Spatial autocorrelation (§9)",
                "I = (n / S0) Σ_i Σ_j w_ij z_i z_j / Σ_i z_i²;  local I_i = (z_i / m2) Σ_j w_ij z_j"),
    "convergence": ("σ收敛与β收敛（§6, §10）", "σ- and β-convergence (§6, §10)",
                    "CV_t = σ_t / x̄_t;  ln(x_{i,t+1}/x_{i,t}) = α + β ln x_{i,t} + ε;  λ = −ln(1 + β)/τ;  τ½ = ln 2 / λ"),
    "integration": ("耦合协调度（§12）", "Coupling coordination (§12)",
                    "C = sqrt((1 − |U2 − U1|) · min(U1, U2)/max(U1, U2));  T = Σ α_i U_i;  D = sqrt(C · T)"),
    "obstacles": ("障碍度模型（§11）", "Obstacle degree (§11)", "I_ij = 1 − z_ij;  O_ij = F_j I_ij / Σ_j F_j I_ij × 100%"),
    "sensitivity": ("不确定性与敏感性分析", "Uncertainty and sensitivity analysis",
                    "ranks over Monte Carlo runs of the build choices: median and 5–95 % interval; Sobol' first-order S_i and total S_Ti"),
}


def step_formula(step: str, params: dict[str, Any]) -> tuple[str, str, str] | None:
    """The description of a build step with its method, or ``None`` when none is known.

    Examples
    --------
    >>> step_formula("weight", {"method": "entropy"})[1]
    'Entropy weights (§2.1)'
    >>> step_formula("screen", {}) is None
    True
    """
    method = params.get("method")
    return STEP_FORMULAS.get(f"{step}:{method}") or STEP_FORMULAS.get(step)
