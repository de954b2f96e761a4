//! The money of the demo: budgets and money in place by level and kind, and survey samples that
//! give the published rates.

use crate::plan::scaled;

/// 2023's budget (published), in fen at full scale: (level, kind, amount).
const BUDGET_2023: [(&str, &str, i64); 6] = [
    ("省级", "出口补", 1_422_200_000),
    ("市级", "入口补", 216_840_000),
    ("市级", "出口补", 416_720_000),
    ("县级", "政府代缴", 633_000_000),
    ("县级", "入口补", 641_320_000),
    ("县级", "出口补", 1_204_280_000),
];

/// 2023's spending (published), by the same lines.
pub const SPENT_2023: [i64; 6] = [
    1_472_220_000,
    266_950_000,
    294_440_000,
    638_320_000,
    611_950_000,
    1_177_770_000,
];

/// Earlier years' budgets, as a share of 2023's (not published: chosen).
const EARLIER: [(i32, f64); 2] = [(2021, 0.93), (2022, 0.97)];

/// Budget lines: (level, kind, fen).
pub type Lines = Vec<(&'static str, &'static str, i64)>;

/// The year's budget lines and the money that arrived for them: each line's budget, or what it
/// needed where spending went beyond it (the province's exit subsidy in 2023).
pub fn budget(year: i32, scale: f64) -> (Lines, Lines) {
    let factor = EARLIER
        .iter()
        .find(|(y, _)| *y == year)
        .map_or(1.0, |x| x.1);
    let b: Vec<(&str, &str, i64)> = BUDGET_2023
        .iter()
        .map(|(l, k, f)| (*l, *k, scaled((*f as f64 * factor) as i64, scale)))
        .collect();
    let a = b
        .iter()
        .zip(SPENT_2023)
        .map(|((l, k, f), s)| (*l, *k, (*f).max(scaled((s as f64 * factor) as i64, scale))))
        .collect();
    (b, a)
}

/// A sample size from `at_least` up and the yes-answers in it whose share prints as `pct`
/// (two decimals).
pub fn sample(pct: f64, at_least: u64) -> (u64, u64) {
    (at_least..at_least * 2)
        .find_map(|n| hits(pct, n).map(|k| (n, k)))
        .expect("some sample size gives any two-decimal rate")
}

/// The largest sample size up to `at_most` (and its yes-answers) whose share prints as `pct`.
pub fn sample_at_most(pct: f64, at_most: u64) -> (u64, u64) {
    (1..=at_most)
        .rev()
        .find_map(|n| hits(pct, n).map(|k| (n, k)))
        .expect("a sample size up to the total gives the rate")
}

fn hits(pct: f64, n: u64) -> Option<u64> {
    let k = (pct * n as f64 / 100.0).round() as u64;
    let printed = (k as f64 * 10_000.0 / n as f64).round() / 100.0;
    ((printed - pct).abs() < 1e-9).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_print_the_published_rates() {
        for (pct, n) in [(83.57, 1_400), (90.03, 1_000), (79.64, 2_400)] {
            let (size, yes) = sample(pct, n);
            assert!(size >= n);
            assert_eq!(
                format!("{:.2}", yes as f64 * 100.0 / size as f64),
                format!("{pct:.2}")
            );
        }
        let (size, yes) = sample_at_most(79.64, 2_403);
        assert!(size <= 2_403);
        assert_eq!(format!("{:.2}", yes as f64 * 100.0 / size as f64), "79.64");
    }

    #[test]
    fn budgets_sum_as_published() {
        let (b, a) = budget(2023, 1.0);
        assert_eq!(b.iter().map(|x| x.2).sum::<i64>(), 4_534_360_000);
        assert_eq!(a[0].2, 1_472_220_000);
        assert_eq!(a[3].2, 638_320_000);
    }
}

/// Yes-answers for each county's `n` answers such that each county's rate is about `pct` plus
/// its offset and the counties' rates weighted by `sizes` give `pct` to two decimals.
pub fn survey_counts(
    pct: f64,
    n: &[i64; 5],
    sizes: &[f64; 5],
    offsets: &[f64; 5],
) -> yanglao_ops::Result<[i64; 5]> {
    let total: f64 = sizes.iter().sum();
    let w: [f64; 5] = std::array::from_fn(|c| sizes[c] / total);
    let base: [i64; 5] = std::array::from_fn(|c| {
        (((pct + offsets[c]) / 100.0 * n[c] as f64).round() as i64).clamp(0, n[c])
    });
    let rate = |y: &[i64; 5]| -> f64 {
        (0..5)
            .map(|c| w[c] * y[c] as f64 / n[c].max(1) as f64)
            .sum::<f64>()
            * 100.0
    };
    // The smallest change to the counties' counts that lands on the rate.
    let mut best: Option<(i64, [i64; 5])> = None;
    let r = 8i64;
    let mut d = [-r; 5];
    loop {
        let y: [i64; 5] = std::array::from_fn(|c| base[c] + d[c]);
        if y.iter().zip(n).all(|(y, n)| (0..=*n).contains(y)) && (rate(&y) - pct).abs() < 0.004 {
            let cost: i64 = d.iter().map(|x| x.abs()).sum();
            if best.is_none_or(|(b, _)| cost < b) {
                best = Some((cost, y));
            }
        }
        let mut k = 0;
        while k < 5 {
            d[k] += 1;
            if d[k] <= r {
                break;
            }
            d[k] = -r;
            k += 1;
        }
        if k == 5 {
            break;
        }
    }
    best.map(|(_, y)| y).ok_or_else(|| {
        yanglao_ops::OpsError::rule(
            "E-DEMO-SURVEY",
            format!("示例问卷无法按各县（区）规模加权得到 {pct:.2}%"),
        )
    })
}

#[cfg(test)]
mod survey_tests {
    use super::*;

    #[test]
    fn county_rates_differ_and_weigh_up_to_the_published_rate() {
        let n = [300, 200, 310, 300, 290];
        let sizes = [1105.0, 803.0, 1205.0, 1416.0, 1335.0];
        let y = survey_counts(83.57, &n, &sizes, &[2.4, -3.1, 1.3, -1.8, 0.7]).unwrap();
        let total: f64 = sizes.iter().sum();
        let rate: f64 = (0..5)
            .map(|c| sizes[c] / total * y[c] as f64 / n[c] as f64)
            .sum::<f64>()
            * 100.0;
        assert_eq!(format!("{rate:.2}"), "83.57");
        let rates: Vec<String> = (0..5)
            .map(|c| format!("{:.2}", y[c] as f64 / n[c] as f64 * 100.0))
            .collect();
        let mut distinct = rates.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 5, "{rates:?}");
    }
}
