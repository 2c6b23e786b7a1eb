//! Charts as inline SVG drawn by plotters on the server: no script, so they show on an old
//! office PC; the axis labels are data, in the page's language.

use plotters::prelude::*;

/// Daily counts as bars: `days` are (label, count), oldest first.
pub fn daily_bars(days: &[(String, i64)], caption: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (620, 260)).into_drawing_area();
        let _ = draw_bars(&root, days, caption);
        let _ = root.present();
    }
    svg
}

fn draw_bars(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    days: &[(String, i64)],
    caption: &str,
) -> Option<()> {
    root.fill(&WHITE).ok()?;
    let top = days.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(48)
        .build_cartesian_2d(
            (0..days.len().max(1) as i32).into_segmented(),
            0..top + top / 10 + 1,
        )
        .ok()?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(days.len().clamp(1, 8))
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) => days
                .get(*i as usize)
                .map(|d| d.0.clone())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .ok()?;
    chart
        .draw_series(
            Histogram::vertical(&chart)
                .style(RGBColor(23, 54, 93).filled())
                .margin(2)
                .data(days.iter().enumerate().map(|(i, d)| (i as i32, d.1))),
        )
        .ok()?;
    Some(())
}

/// Cumulative registrations against the target: `days` are (label, cumulative count).
pub fn cumulative_vs_target(
    days: &[(String, i64)],
    target: Option<i64>,
    caption: &str,
    target_label: &str,
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (620, 260)).into_drawing_area();
        let _ = draw_cumulative(&root, days, target, caption, target_label);
        let _ = root.present();
    }
    svg
}

fn draw_cumulative(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    days: &[(String, i64)],
    target: Option<i64>,
    caption: &str,
    target_label: &str,
) -> Option<()> {
    root.fill(&WHITE).ok()?;
    let last = days.last().map_or(0, |d| d.1);
    let top = last.max(target.unwrap_or(0)).max(1);
    let n = days.len().max(2) as i32;
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(56)
        .build_cartesian_2d(0..n - 1, 0..top + top / 10 + 1)
        .ok()?;
    chart
        .configure_mesh()
        .x_labels(days.len().clamp(1, 8))
        .x_label_formatter(&|i| {
            days.get(*i as usize)
                .map(|d| d.0.clone())
                .unwrap_or_default()
        })
        .draw()
        .ok()?;
    chart
        .draw_series(LineSeries::new(
            days.iter().enumerate().map(|(i, d)| (i as i32, d.1)),
            RGBColor(29, 107, 47).stroke_width(3),
        ))
        .ok()?;
    if let Some(t) = target {
        chart
            .draw_series(LineSeries::new(
                [(0, t), (n - 1, t)],
                RGBColor(163, 32, 32).stroke_width(2),
            ))
            .ok()?
            .label(target_label)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], RGBColor(163, 32, 32)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .border_style(BLACK)
            .draw()
            .ok()?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_data_and_labels() {
        let days = vec![
            ("20-11".to_owned(), 5),
            ("21-11".to_owned(), 12),
            ("22-11".to_owned(), 7),
        ];
        let bars = daily_bars(&days, "प्रतिदिन पंजीयन");
        assert!(bars.starts_with("<svg"), "{}", &bars[..40.min(bars.len())]);
        assert!(bars.contains("प्रतिदिन पंजीयन"));
        assert!(bars.matches("<rect").count() >= 3, "a bar per day");
        let line = cumulative_vs_target(
            &[("a".into(), 5), ("b".into(), 17), ("c".into(), 24)],
            Some(100),
            "cumulative",
            "target",
        );
        assert!(line.contains("<polyline"));
        assert!(line.contains("target"));
        // No data at all still draws an empty chart, not a panic.
        assert!(daily_bars(&[], "x").starts_with("<svg"));
    }

    #[test]
    fn text_that_reaches_a_chart_is_escaped_by_plotters() {
        let bars = daily_bars(&[("<b>".into(), 1)], "<script>x</script>");
        assert!(
            !bars.contains("<script>") && !bars.contains("<b>"),
            "{bars}"
        );
        assert!(bars.contains("&lt;script&gt;"), "{bars}");
        let line = cumulative_vs_target(&[("a".into(), 1)], Some(5), "c", "<i>target</i>");
        assert!(!line.contains("<i>"), "{line}");
    }
}
