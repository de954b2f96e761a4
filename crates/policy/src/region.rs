//! GB/T 2260 region codes and their ancestors.

/// A valid code is six ASCII digits and not `000000`.
pub fn is_valid_region(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && code != "000000"
}

/// The region itself, then its city, then its province, most specific first, without
/// duplicates: `140302` → `[140302, 140300, 140000]`, `140300` → `[140300, 140000]`.
/// Assumes a valid code.
pub fn ancestors(code: &str) -> Vec<String> {
    let mut out = vec![code.to_string()];
    if code.len() != 6 {
        return out;
    }
    for candidate in [format!("{}00", &code[..4]), format!("{}0000", &code[..2])] {
        if out.last() != Some(&candidate) {
            out.push(candidate);
        }
    }
    out
}

/// True when `inner` is `outer` or lies inside it.
pub(crate) fn within(inner: &str, outer: &str) -> bool {
    ancestors(inner).iter().any(|a| a == outer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_of_county_city_province() {
        assert_eq!(ancestors("140302"), ["140302", "140300", "140000"]);
        assert_eq!(ancestors("140300"), ["140300", "140000"]);
        assert_eq!(ancestors("140000"), ["140000"]);
    }

    #[test]
    fn validity() {
        assert!(is_valid_region("140302"));
        assert!(!is_valid_region("14030"));
        assert!(!is_valid_region("14030a"));
        assert!(!is_valid_region("000000"));
        assert!(!is_valid_region("１４０３０２"));
    }

    #[test]
    fn within_relation() {
        assert!(within("140302", "140000"));
        assert!(within("140302", "140300"));
        assert!(within("140000", "140000"));
        assert!(!within("140000", "140300"));
        assert!(!within("150102", "140000"));
    }
}
