//! The one line every benchmark prints per figure, as `scripts/bench` documents it:
//! `{"bench": NAME, "value": N, "unit": U, "baseline": N|null, "ratio": N|null}`. Shared by
//! the benches of every crate so that the format cannot drift.

/// The figure as its JSON line; values rounded to three decimals, the ratio value / baseline.
pub fn bench_line(bench: &str, value: f64, unit: &str, baseline: Option<f64>) -> String {
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let ratio = baseline.filter(|b| *b > 0.0).map(|b| value / b);
    let num = |x: Option<f64>| x.map_or_else(|| "null".to_owned(), |x| round(x).to_string());
    format!(
        "{{\"bench\": {}, \"value\": {}, \"unit\": {}, \"baseline\": {}, \"ratio\": {}}}",
        serde_json::Value::from(bench),
        round(value),
        serde_json::Value::from(unit),
        num(baseline),
        num(ratio)
    )
}

/// Prints the figure's line on stdout (notes go to stderr, so stdout holds only figures).
pub fn emit(bench: &str, value: f64, unit: &str, baseline: Option<f64>) {
    println!("{}", bench_line(bench, value, unit, baseline));
}

#[cfg(test)]
mod tests {
    use super::bench_line;

    #[test]
    fn lines_are_json_with_the_documented_fields() {
        let line = bench_line("x", 1.23456, "ms", Some(2.0));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["bench"], "x");
        assert_eq!(v["value"], 1.235);
        assert_eq!(v["ratio"], 0.617);
        let none: serde_json::Value =
            serde_json::from_str(&bench_line("y", 3.0, "s", None)).unwrap();
        assert!(none["baseline"].is_null() && none["ratio"].is_null());
        assert_eq!(line.find("\"bench\""), Some(1), "bench comes first");
    }
}
