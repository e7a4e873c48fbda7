//! Small helpers for the example crates' integration tests, which run the
//! real binaries and read what they print.

/// The number that follows `label` on the first line containing it:
/// `number_after("final count: 1999 of 2000", "final count:") == Some(1999.0)`.
/// Thousands separators (`,` and `_`) are ignored.
pub fn number_after(text: &str, label: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.contains(label))?;
    let rest = &line[line.find(label)? + label.len()..];
    let token: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ',' | '_'))
        .filter(|c| !matches!(c, ',' | '_'))
        .collect();
    token.trim_end_matches('.').parse().ok()
}

/// Every line of `text` that contains `needle`.
pub fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_numbers_after_labels() {
        let text = "hello\nfinal count: 1,999 of 2000\nspeed-up: 1.85x\n";
        assert_eq!(number_after(text, "final count:"), Some(1999.0));
        assert_eq!(number_after(text, "speed-up:"), Some(1.85));
        assert_eq!(number_after(text, "missing:"), None);
    }

    #[test]
    fn collects_matching_lines() {
        assert_eq!(lines_with("a1\nb\na2", "a"), vec!["a1", "a2"]);
    }
}
