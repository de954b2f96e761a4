//! Closing the books on the published figures. The demo's data is generated before anything
//! runs, so interest and many small effects are only known once the years have run; the last
//! collection file of 2022 and 2023 (self-payers of 城区 and 矿区 whose contributions arrive after
//! the 20 December interest date) and the deaths reported before the December 2023 payroll are
//! therefore chosen at the time, from what the books say, so that the published totals come out.
//! These functions are pure: they choose counts.

/// (amount, entry subsidy) of each tier, in yuan: the demo policy's table
/// (examples/demo/policy.toml).
pub const TIERS: [(i64, i64); 5] = [(200, 70), (500, 110), (1000, 170), (2000, 260), (5000, 380)];

/// Every way `k` payers can split over the tiers so that their subsidies add up to `s` and their
/// contributions to `p` (yuan): one solution for each number at the lowest tier.
pub fn tier_splits(k: i64, s: i64, p: i64) -> std::collections::BTreeMap<i64, [i64; 5]> {
    let mut out = std::collections::BTreeMap::new();
    if k < 0 || s < TIERS[0].1 * k || s > TIERS[4].1 * k || p < TIERS[0].0 * k || p > TIERS[4].0 * k
    {
        return out;
    }
    let [(a1, s1), (a2, s2), (a3, s3), (a4, s4), (a5, s5)] = TIERS;
    // Cramer's rule for n1 + n2 + n3 = A, s1 n1 + s2 n2 + s3 n3 = B, a1 n1 + a2 n2 + a3 n3 = C.
    let det = (s2 * a3 - s3 * a2) - (s1 * a3 - s3 * a1) + (s1 * a2 - s2 * a1);
    // Beyond these the others would have to pay less than the lowest tier.
    let n5_max = ((p - a1 * k) / (a5 - a1)).min(k);
    for n5 in 0..=n5_max {
        let n4_max = ((p - a1 * k - (a5 - a1) * n5) / (a4 - a1)).min(k - n5);
        for n4 in 0..=n4_max {
            let a = k - n4 - n5;
            let b = s - s4 * n4 - s5 * n5;
            let c = p - a4 * n4 - a5 * n5;
            let x1 = a * (s2 * a3 - s3 * a2) - (b * a3 - s3 * c) + (b * a2 - s2 * c);
            let x2 = (b * a3 - s3 * c) - a * (s1 * a3 - s3 * a1) + (s1 * c - b * a1);
            let x3 = (s2 * c - b * a2) - (s1 * c - b * a1) + a * (s1 * a2 - s2 * a1);
            if x1 % det != 0 || x2 % det != 0 || x3 % det != 0 {
                continue;
            }
            let (n1, n2, n3) = (x1 / det, x2 / det, x3 / det);
            if n1 >= 0 && n2 >= 0 && n3 >= 0 {
                out.entry(n1).or_insert([n1, n2, n3, n4, n5]);
            }
        }
    }
    out
}

/// The least and the most `k` payers can contribute when their subsidies add up to `s`: the
/// tiers' (subsidy, amount) points are convex, so the least follows their chain and the most the
/// line from the lowest tier to the highest.
pub fn band(k: i64, s: i64) -> (i64, i64) {
    if k <= 0 {
        return (0, 0);
    }
    let avg = s as f64 / k as f64;
    let (first, last) = (TIERS[0], TIERS[4]);
    let upper = first.0 as f64
        + (avg - first.1 as f64) * (last.0 - first.0) as f64 / (last.1 - first.1) as f64;
    let mut lower = f64::NAN;
    for w in TIERS.windows(2) {
        let ((a0, s0), (a1, s1)) = (w[0], w[1]);
        if (s0 as f64..=s1 as f64).contains(&avg) {
            lower = a0 as f64 + (avg - s0 as f64) * (a1 - a0) as f64 / (s1 - s0) as f64;
        }
    }
    if lower.is_nan() {
        return (1, 0);
    }
    (
        (lower * k as f64).ceil() as i64,
        (upper * k as f64).floor() as i64,
    )
}

/// How many of `k` payers pay each tier so that contributions and subsidies together add up to
/// `x` yuan (within `tolerance`).
pub fn split_total(k: i64, x: i64, tolerance: i64) -> Option<[i64; 5]> {
    let v: Vec<i64> = TIERS.iter().map(|(a, s)| a + s).collect();
    let inc: Vec<i64> = v.iter().map(|x| x - v[0]).collect();
    for target in (0..=tolerance).flat_map(|d| [x + d, x - d]) {
        let extra = target - v[0] * k;
        if extra < 0 {
            continue;
        }
        let top = extra / inc[4];
        for t5 in 0..=top.min(40) {
            let n5 = top - t5;
            for n4 in 0..=300 {
                for n3 in 0..=300 {
                    let r = extra - inc[4] * n5 - inc[3] * n4 - inc[2] * n3;
                    if r < 0 {
                        break;
                    }
                    if r % inc[1] == 0 {
                        let n2 = r / inc[1];
                        if n2 + n3 + n4 + n5 <= k {
                            return Some([k - n2 - n3 - n4 - n5, n2, n3, n4, n5]);
                        }
                    }
                }
            }
        }
    }
    None
}

/// The two calibration groups of 2023: 城区 (city share `share_b` percent) and 矿区 (city share
/// `share_a`). Given what the books hold without them, the tier counts of each group that bring
/// the city's and the counties' entry subsidies, the year's income and the number at the lowest
/// tier to their targets.
pub struct Income2023 {
    pub k_a: i64,
    pub k_b: i64,
    pub share_a: i64,
    pub share_b: i64,
    /// Yuan still to reach: city entry subsidy, county entry subsidy, income.
    pub city: i64,
    pub county: i64,
    pub income: i64,
    /// Payers at the lowest tier still to reach (an inclusive range).
    pub lowest: std::ops::RangeInclusive<i64>,
}

impl Income2023 {
    pub fn solve(&self) -> Option<([i64; 5], [i64; 5])> {
        // Subsidies of each group from the two shares (percent): a·sa + b·sb = 100·city and
        // a·(100 − sa) + b·(100 − sb) = 100·county.
        let (sa, sb) = (self.share_a as f64, self.share_b as f64);
        let det = sa * (100.0 - sb) - sb * (100.0 - sa);
        if det.abs() < 1e-9 {
            return None;
        }
        let (c, k) = (100.0 * self.city as f64, 100.0 * self.county as f64);
        let a0 = (c * (100.0 - sb) - sb * k) / det;
        let b0 = (sa * k - (100.0 - sa) * c) / det;
        let round10 = |x: f64| (x / 10.0).round() as i64 * 10;
        let mut tries: Vec<(i64, i64, i64)> = Vec::new();
        for da in -8..=8 {
            for db in -8..=8 {
                let (a, b) = (round10(a0) + 10 * da, round10(b0) + 10 * db);
                let city_err = (a * self.share_a + b * self.share_b) / 100 - self.city;
                let county_err =
                    (a * (100 - self.share_a) + b * (100 - self.share_b)) / 100 - self.county;
                let p = self.income - a - b;
                let p100 = (p as f64 / 100.0).round() as i64 * 100;
                let income_err = a + b + p100 - self.income;
                let err = city_err.abs().max(county_err.abs()).max(income_err.abs());
                tries.push((err, a, b));
            }
        }
        tries.sort();
        for (_, a, b) in tries.into_iter().take(12) {
            let p = ((self.income - a - b) as f64 / 100.0).round() as i64 * 100;
            // Split the contributions between the groups where both can pay them.
            let (la, ua) = band(self.k_a, a);
            let (lb, ub) = band(self.k_b, b);
            let (lo, hi) = (la.max(p - ub), ua.min(p - lb));
            if lo > hi {
                continue;
            }
            let pa0 = ((lo + hi) / 2 / 100) * 100;
            for dp in (0..15).flat_map(|d| [d, -d]) {
                let pa = pa0 + 100 * dp;
                let sa = tier_splits(self.k_a, a, pa);
                let sb = tier_splits(self.k_b, b, p - pa);
                if sa.is_empty() {
                    continue;
                }
                for (la, na) in &sa {
                    let want = (self.lowest.start() - la)..=(self.lowest.end() - la);
                    if let Some((_, nb)) = sb.range(want).next() {
                        return Some((*na, *nb));
                    }
                }
            }
        }
        None
    }
}

/// Deaths to record before the December payroll: `k` of the candidates who draw an account
/// pension (exit subsidy, pension) and `e` of those who draw the exit subsidy only (`exit` yuan
/// each), so that the year's exit subsidies, its whole benefit spending and its payments lose
/// `t`, `x` and `z` (within the tolerances).
pub fn december_deaths(
    t: i64,
    x: i64,
    z: i64,
    exit: i64,
    with_pension: &[(usize, i64, i64)],
    tolerance: (i64, i64, i64),
) -> Option<(Vec<usize>, i64)> {
    if t < 0 || x < t || z < 0 || exit <= 0 {
        return None;
    }
    let pensions = x - t;
    // e + 2k ≈ z and exit·e + Σ exit_i ≈ t  ⇒  k ≈ (exit·z − t) ÷ (2·exit − mean exit_i).
    let mean_exit =
        with_pension.iter().map(|c| c.1).sum::<i64>() as f64 / with_pension.len().max(1) as f64;
    let k0 = ((exit * z - t) as f64 / (2.0 * exit as f64 - mean_exit)).round() as i64;
    for k in (0..=40)
        .flat_map(|d| [k0 + d, k0 - d])
        .filter(|k| *k >= 0 && *k as usize <= with_pension.len())
    {
        let k = k as usize;
        // Pick k whose pensions add up to what remains once the exit subsidies are taken: start
        // from those closest to the mean wanted, then swap to close the gap; the exit subsidies
        // removed depend on the choice, so settle it three times.
        let want = if k == 0 {
            0.0
        } else {
            pensions as f64 / k as f64
        };
        let mut order: Vec<usize> = (0..with_pension.len()).collect();
        order.sort_by(|a, b| {
            ((with_pension[*a].2 as f64 - want).abs())
                .total_cmp(&(with_pension[*b].2 as f64 - want).abs())
        });
        let mut chosen: Vec<usize> = order[..k].to_vec();
        let mut rest: Vec<usize> = order[k..].to_vec();
        let mut e = 0;
        for _ in 0..3 {
            let exits: i64 = chosen.iter().map(|i| with_pension[*i].1).sum();
            e = ((t - exits) as f64 / exit as f64).round() as i64;
            let target = x - exit * e - exits;
            // The others, by pension, to find the swap that best closes the gap quickly.
            let mut others: Vec<(i64, usize)> =
                rest.iter().map(|r| (with_pension[*r].2, *r)).collect();
            others.sort_unstable();
            for _ in 0..300 {
                let sum: i64 = chosen.iter().map(|i| with_pension[*i].2).sum();
                let gap = target - sum;
                if gap.abs() <= 1 || chosen.is_empty() || others.is_empty() {
                    break;
                }
                let mut best: Option<(i64, usize, usize)> = None;
                for (ci, c) in chosen.iter().enumerate() {
                    let want = with_pension[*c].2 + gap;
                    let at = others.partition_point(|o| o.0 < want);
                    for oi in [at.saturating_sub(1), at.min(others.len() - 1)] {
                        let after = (gap - (others[oi].0 - with_pension[*c].2)).abs();
                        if after < gap.abs() && best.is_none_or(|b| after < b.0) {
                            best = Some((after, ci, oi));
                        }
                    }
                }
                let Some((_, ci, oi)) = best else { break };
                let (_, r) = others.remove(oi);
                let c = std::mem::replace(&mut chosen[ci], r);
                let at = others.partition_point(|o| o.0 < with_pension[c].2);
                others.insert(at, (with_pension[c].2, c));
            }
            rest = others.into_iter().map(|o| o.1).collect();
        }
        let exits: i64 = chosen.iter().map(|i| with_pension[*i].1).sum();
        let pens: i64 = chosen.iter().map(|i| with_pension[*i].2).sum();
        if e < 0 {
            continue;
        }
        let (dt, dx, dz) = (
            exit * e + exits - t,
            exit * e + exits + pens - x,
            e + 2 * k as i64 - z,
        );
        if dt.abs() <= tolerance.0 && dx.abs() <= tolerance.1 && dz.abs() <= tolerance.2 {
            return Some((chosen.into_iter().map(|i| with_pension[i].0).collect(), e));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One split of [`tier_splits`] with the number at the lowest tier in `lowest`.
    fn split_tiers(
        k: i64,
        s: i64,
        p: i64,
        lowest: std::ops::RangeInclusive<i64>,
    ) -> Option<[i64; 5]> {
        tier_splits(k, s, p).range(lowest).next().map(|x| *x.1)
    }

    #[test]
    fn tier_splits_meet_their_sums() {
        // 92 at 200 yuan, 5 at 500, 3 at 1000.
        let n = split_tiers(
            100,
            92 * 70 + 5 * 110 + 3 * 170,
            92 * 200 + 5 * 500 + 3 * 1000,
            0..=100,
        )
        .unwrap();
        assert_eq!(n.iter().sum::<i64>(), 100);
        assert_eq!(
            n.iter().zip(TIERS).map(|(c, t)| c * t.1).sum::<i64>(),
            92 * 70 + 5 * 110 + 3 * 170
        );
        assert_eq!(
            n.iter().zip(TIERS).map(|(c, t)| c * t.0).sum::<i64>(),
            92 * 200 + 5 * 500 + 3 * 1000
        );
        let n = split_total(50, 50 * 270 + 12_340, 0).unwrap();
        assert_eq!(n.iter().sum::<i64>(), 50);
        assert_eq!(
            n.iter()
                .zip(TIERS)
                .map(|(c, t)| c * (t.0 + t.1))
                .sum::<i64>(),
            50 * 270 + 12_340
        );
    }

    #[test]
    fn the_2023_groups_close_all_four_sums() {
        // 矿区 (20% city): 250 at 200 yuan, 50 at 500; 城区 (40% city): 330 at 200, 70 at 1000.
        let problem = Income2023 {
            k_a: 300,
            k_b: 400,
            share_a: 20,
            share_b: 40,
            city: 18_600,
            county: 39_400,
            income: 269_000,
            lowest: 579..=581,
        };
        let (a, b) = problem.solve().expect("solvable");
        let subsidy = |n: &[i64; 5]| n.iter().zip(TIERS).map(|(c, t)| c * t.1).sum::<i64>();
        let amount = |n: &[i64; 5]| n.iter().zip(TIERS).map(|(c, t)| c * t.0).sum::<i64>();
        let city = subsidy(&a) * 20 / 100 + subsidy(&b) * 40 / 100;
        let county = subsidy(&a) * 80 / 100 + subsidy(&b) * 60 / 100;
        assert!((city - 18_600).abs() <= 20, "{city}");
        assert!((county - 39_400).abs() <= 20, "{county}");
        assert!((subsidy(&a) + subsidy(&b) + amount(&a) + amount(&b) - 269_000).abs() <= 50);
        assert!((579..=581).contains(&(a[0] + b[0])));
    }

    #[test]
    fn december_deaths_close_three_sums() {
        let cohort: Vec<(usize, i64, i64)> = (0..500)
            .map(|i| (i, 24 + (i as i64 % 3), 5 + (i as i64 * 7) % 90))
            .collect();
        let (chosen, e) =
            december_deaths(4_000, 6_000, 250, 23, &cohort, (11, 20, 10)).expect("solvable");
        let exits: i64 = chosen.iter().map(|i| cohort[*i].1).sum::<i64>() + 23 * e;
        let pens: i64 = chosen.iter().map(|i| cohort[*i].2).sum();
        assert!((exits - 4_000).abs() <= 11);
        assert!((exits + pens - 6_000).abs() <= 20);
        assert!((e + 2 * chosen.len() as i64 - 250).abs() <= 10);
    }
}
