//! Survey rates with their 95% confidence interval.

/// A share of yes-answers among the answers, with the Wilson score interval at 95%.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub yes: u64,
    pub n: u64,
    /// Percent.
    pub rate_pct: f64,
    pub low_pct: f64,
    pub high_pct: f64,
}

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The rate and its Wilson interval; `None` for no answers. The Wilson interval stays within
/// 0–100% and behaves at small samples and extreme rates, where the normal approximation does
/// not.
pub fn rate(yes: u64, n: u64) -> Option<Rate> {
    if n == 0 || yes > n {
        return None;
    }
    let nf = n as f64;
    let p = yes as f64 / nf;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    Some(Rate {
        yes,
        n,
        rate_pct: p * 100.0,
        low_pct: ((centre - half).max(0.0)) * 100.0,
        high_pct: ((centre + half).min(1.0)) * 100.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_intervals() {
        // 83.57% of 1,000: Wilson interval ≈ 81.15% – 85.73%.
        let r = rate(836, 1000).unwrap();
        assert!((r.rate_pct - 83.6).abs() < 1e-9);
        assert!((r.low_pct - 81.19).abs() < 0.05, "{r:?}");
        assert!((r.high_pct - 85.76).abs() < 0.05, "{r:?}");
        let all = rate(10, 10).unwrap();
        assert!((all.high_pct - 100.0).abs() < 1e-9, "{all:?}");
        assert!((all.low_pct - 72.25).abs() < 0.01, "{all:?}");
        assert!(rate(0, 0).is_none());
        assert!(rate(3, 2).is_none());
    }

    proptest::proptest! {
        #[test]
        fn the_interval_holds_the_rate(n in 1u64..100_000, k in 0u64..100_000) {
            let yes = k % (n + 1);
            let r = rate(yes, n).unwrap();
            proptest::prop_assert!(r.low_pct <= r.rate_pct + 1e-9 && r.rate_pct <= r.high_pct + 1e-9);
            proptest::prop_assert!(r.low_pct >= 0.0 && r.high_pct <= 100.0);
        }
    }
}
