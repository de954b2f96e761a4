//! Text as documents and pages carry it.

/// Escapes `&`, `<`, `>` and `"` for HTML and SVG text and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            super::escape_html("<a href=\"x\">甲&乙</a>"),
            "&lt;a href=&quot;x&quot;&gt;甲&amp;乙&lt;/a&gt;"
        );
    }
}
