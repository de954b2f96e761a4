//! Cash flows by month, their present value and their internal rate of return.

/// A cash flow `fen` (negative: paid by the resident; positive: received) in month `month`
/// counted from the start of the simulation. Expected values may be fractional.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flow {
    pub month: u32,
    pub fen: f64,
}

/// Net present value at the start of month 0 of `flows` at a yearly rate `rate` (discounting
/// month m by (1 + rate)^(m/12)).
pub fn npv(flows: &[Flow], rate: f64) -> f64 {
    let monthly = (1.0 + rate).ln() / 12.0;
    flows
        .iter()
        .map(|f| f.fen * (-monthly * f64::from(f.month)).exp())
        .sum()
}

/// The internal rate of return: the yearly rate at which `flows` have a net present value of
/// zero. Contributions come before benefits, so the value falls as the rate rises and there is
/// at most one such rate; `None` when nothing is received (or the rate would be outside
/// −99% … 1,000%).
pub fn irr(flows: &[Flow]) -> Option<f64> {
    let (mut lo, mut hi) = (-0.99f64, 10.0f64);
    let (f_lo, f_hi) = (npv(flows, lo), npv(flows, hi));
    if !(f_lo > 0.0 && f_hi < 0.0) {
        return None;
    }
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if npv(flows, mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    Some((lo + hi) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_year_loan_returns_its_rate() {
        // Pay 100 now, receive 110 in twelve months: 10% a year.
        let flows = [
            Flow {
                month: 0,
                fen: -100.0,
            },
            Flow {
                month: 12,
                fen: 110.0,
            },
        ];
        assert!((irr(&flows).unwrap() - 0.10).abs() < 1e-9);
        assert!(npv(&flows, 0.10).abs() < 1e-9);
        // Nothing back: no rate.
        assert_eq!(
            irr(&[Flow {
                month: 0,
                fen: -100.0
            }]),
            None
        );
    }

    proptest! {
        /// The rate found makes the net present value zero (its definition), for contributions
        /// followed by a stream of benefits.
        #[test]
        fn irr_zeroes_npv(pay in 1_000i64..1_000_000, years in 1u32..20, wait in 0u32..240,
                          benefit in 100i64..100_000, months in 1u32..400) {
            let mut flows: Vec<Flow> = (0..years).map(|y| Flow { month: 12 * y, fen: -(pay as f64) }).collect();
            let start = 12 * years + wait;
            flows.extend((0..months).map(|m| Flow { month: start + m, fen: benefit as f64 }));
            if let Some(r) = irr(&flows) {
                // Zero relative to the size of the discounted flows themselves (near −100% they
                // are astronomically large), and the value changes sign across the rate.
                let abs: Vec<Flow> = flows.iter().map(|f| Flow { month: f.month, fen: f.fen.abs() }).collect();
                let scale = npv(&abs, r);
                prop_assert!(npv(&flows, r).abs() <= scale * 1e-6, "npv {} at {} (scale {})", npv(&flows, r), r, scale);
                prop_assert!(npv(&flows, r - 1e-6) >= 0.0 && npv(&flows, r + 1e-6) <= 0.0);
            }
        }
    }
}
