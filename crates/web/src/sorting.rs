//! Tables that sort by a column: a column's head links to the same list ordered by it (a second
//! click the other way), the order kept in the URL (`sort=name`, `sort=-name`) beside the list's
//! filters, and the page back to the first. The order is the database's (the use case checks the
//! column), so every page of a sorted list continues the one before.

/// A column head: its label, and for a column the list sorts by, the link and the state a
/// screen reader announces (`aria-sort`).
pub struct Head {
    pub label: &'static str,
    /// Empty for a column the list does not sort by.
    pub href: String,
    /// `ascending`, `descending`, or `none` for a sortable column not sorted by; empty otherwise.
    pub aria: &'static str,
    pub mark: &'static str,
    /// `num` for a column of numbers (set right), else empty.
    pub class: &'static str,
}

/// A column of a table: its label, the key the list sorts it by ("" if it does not sort), and
/// whether it holds numbers.
#[derive(Clone, Copy)]
pub struct Col {
    label: &'static str,
    key: &'static str,
    num: bool,
}

/// A column the list sorts by.
pub const fn col(label: &'static str, key: &'static str) -> Col {
    Col {
        label,
        key,
        num: false,
    }
}

/// A column of numbers the list sorts by.
pub const fn num(label: &'static str, key: &'static str) -> Col {
    Col {
        label,
        key,
        num: true,
    }
}

/// A column of numbers the list does not sort by.
pub const fn plain_num(label: &'static str) -> Col {
    Col {
        label,
        key: "",
        num: true,
    }
}

/// A column the list does not sort by.
pub const fn plain(label: &'static str) -> Col {
    Col {
        label,
        key: "",
        num: false,
    }
}

/// The URL of `path` with the query `pairs` (empty values left out) and `extra` appended.
pub fn url(path: &str, pairs: &[(&str, &str)], extra: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().chain(extra) {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    let q = q.finish();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

/// The heads of a table listed at `path` with `pairs` (its filters, without the sort and the
/// page) and ordered by `sort`.
pub fn heads(path: &str, pairs: &[(&str, &str)], sort: &str, cols: &[Col]) -> Vec<Head> {
    let (desc, current) = match sort.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, sort),
    };
    cols.iter()
        .map(|&Col { label, key, num }| {
            let class = if num { "num" } else { "" };
            if key.is_empty() {
                return Head {
                    label,
                    href: String::new(),
                    aria: "",
                    mark: "",
                    class,
                };
            }
            let on = key == current;
            let next = if on && !desc {
                format!("-{key}")
            } else {
                key.to_string()
            };
            Head {
                label,
                href: url(path, pairs, &[("sort", &next)]),
                aria: match (on, desc) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
                mark: match (on, desc) {
                    (false, _) => "",
                    (true, false) => " ▲",
                    (true, true) => " ▼",
                },
                class,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_turns_the_order_and_keeps_the_filters() {
        let h = heads(
            "/people",
            &[("q", "王 五"), ("county", "")],
            "name",
            &[col("姓名", "name"), num("县区", "county"), plain("")],
        );
        assert_eq!(h[0].href, "/people?q=%E7%8E%8B+%E4%BA%94&sort=-name");
        assert_eq!((h[0].aria, h[0].mark), ("ascending", " ▲"));
        assert_eq!(h[1].href, "/people?q=%E7%8E%8B+%E4%BA%94&sort=county");
        assert_eq!(h[1].aria, "none");
        assert_eq!(h[1].class, "num");
        assert!(h[2].href.is_empty() && h[2].aria.is_empty());
        let h = heads("/people", &[], "-name", &[col("姓名", "name")]);
        assert_eq!(
            (h[0].href.as_str(), h[0].aria),
            ("/people?sort=name", "descending")
        );
    }
}
