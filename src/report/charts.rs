//! Charts as inline SVG, so an HTML report needs nothing from the network and no script.
//!
//! Each function returns one `<svg>` element sized by its `viewBox`, so the page's CSS scales it.

/// Escapes text for HTML and SVG.
pub fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line over `points` (x, y) with y from `y_min` to `y_max`; `band` shades a y range (the pace
/// band), `marks` draws labelled vertical lines (the target) at x values.
pub struct LineChart<'a> {
    /// Accessible title.
    pub title: &'a str,
    /// The points, x ascending.
    pub points: &'a [(f64, f64)],
    /// The x range.
    pub x_range: (f64, f64),
    /// The y range.
    pub y_range: (f64, f64),
    /// A shaded y band and its label.
    pub band: Option<(f64, f64, &'a str)>,
    /// Vertical marks: x and label.
    pub marks: &'a [(f64, String)],
    /// How an x value is labelled on the axis.
    pub x_label: &'a dyn Fn(f64) -> String,
    /// The y unit, for the axis.
    pub y_unit: &'a str,
}

const W: f64 = 640.0;
const H: f64 = 220.0;
const PAD_L: f64 = 72.0;
const PAD_R: f64 = 16.0;
const PAD_T: f64 = 16.0;
const PAD_B: f64 = 32.0;

impl LineChart<'_> {
    /// The chart as an `<svg>` element. Axes, grid, band, lines and labels share one coordinate
    /// mapping, so they are drawn in one function of about 70 lines.
    pub fn svg(&self) -> String {
        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        let sx = |x: f64| PAD_L + (x - x0) / (x1 - x0).max(1e-9) * (W - PAD_L - PAD_R);
        let sy =
            |y: f64| H - PAD_B - (y.clamp(y0, y1) - y0) / (y1 - y0).max(1e-9) * (H - PAD_T - PAD_B);
        let mut out = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\">",
            esc(self.title)
        );
        if let Some((lo, hi, label)) = self.band {
            out += &format!(
                "<rect class=\"band\" x=\"{PAD_L}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/><text class=\"band-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                sy(hi),
                W - PAD_L - PAD_R,
                sy(lo) - sy(hi),
                W - PAD_R - 4.0,
                sy(hi) + 12.0,
                esc(label)
            );
        }
        for k in 0..=4 {
            let y = y0 + (y1 - y0) * f64::from(k) / 4.0;
            out += &format!(
                "<line class=\"grid\" x1=\"{PAD_L}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\">{:.0}{}</text>",
                W - PAD_R,
                sy(y),
                sy(y),
                PAD_L - 6.0,
                sy(y) + 4.0,
                y,
                if k == 4 { self.y_unit } else { "" }
            );
        }
        for k in 0..=4 {
            let x = x0 + (x1 - x0) * f64::from(k) / 4.0;
            out += &format!(
                "<text class=\"axis x\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                sx(x),
                H - 10.0,
                esc(&(self.x_label)(x))
            );
        }
        for (x, label) in self.marks {
            out += &format!(
                "<line class=\"mark\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{PAD_T}\" y2=\"{1:.1}\"/><text class=\"mark-label\" x=\"{2:.1}\" y=\"{3:.1}\">{4}</text>",
                sx(*x),
                H - PAD_B,
                sx(*x) + 4.0,
                PAD_T + 10.0,
                esc(label)
            );
        }
        let path: Vec<String> = self
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        out += &format!("<polyline class=\"line\" points=\"{}\"/>", path.join(" "));
        for (x, y) in self.points {
            out += &format!(
                "<circle class=\"dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"><title>{:.0}</title></circle>",
                sx(*x),
                sy(*y),
                y
            );
        }
        out + "</svg>"
    }
}

/// Horizontal bars of levels 0-4, one row per (label, local level, optional second level).
pub fn level_bars(title: &str, rows: &[(String, u8, Option<u8>)]) -> String {
    let row_h = 28.0;
    let h = row_h * rows.len() as f64 + 24.0;
    let (label_w, bar_w) = (230.0, 380.0);
    let mut out = format!(
        "<svg class=\"chart bars\" viewBox=\"0 0 {W} {h}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    for k in 0..=4 {
        let x = label_w + bar_w * f64::from(k) / 4.0;
        out += &format!(
            "<line class=\"grid\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"0\" y2=\"{:.1}\"/><text class=\"axis x\" x=\"{x:.1}\" y=\"{:.1}\">{k}</text>",
            h - 18.0,
            h - 4.0
        );
    }
    for (i, (label, local, other)) in rows.iter().enumerate() {
        let y = row_h * i as f64 + 4.0;
        out += &format!(
            "<text class=\"bar-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text><rect class=\"bar level{local}\" x=\"{label_w}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>local {local}/4</title></rect>",
            label_w - 8.0,
            y + 15.0,
            esc(label),
            bar_w * f64::from(*local) / 4.0,
            row_h - 14.0
        );
        if let Some(o) = other {
            out += &format!(
                "<rect class=\"bar other\" x=\"{label_w}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\"><title>interviewer {o}/4</title></rect>",
                y + row_h - 12.0,
                bar_w * f64::from(*o) / 4.0
            );
        }
    }
    out + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("<b> & \"x\""), "&lt;b&gt; &amp; &quot;x&quot;");
    }

    #[test]
    fn a_line_chart_has_every_point_and_mark() {
        let label = |x: f64| format!("{x:.0}s");
        let svg = LineChart {
            title: "pace",
            points: &[(0.0, 120.0), (10.0, 150.0), (20.0, 170.0)],
            x_range: (0.0, 20.0),
            y_range: (80.0, 200.0),
            band: Some((120.0, 160.0, "target pace")),
            marks: &[(15.0, "90 s target".into())],
            x_label: &label,
            y_unit: " wpm",
        }
        .svg();
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("90 s target") && svg.contains("target pace"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn bars_show_both_scores() {
        let svg = level_bars(
            "rubric",
            &[("Impact".into(), 3, Some(2)), ("Fix".into(), 0, None)],
        );
        assert!(svg.contains("local 3/4") && svg.contains("interviewer 2/4"));
        assert_eq!(svg.matches("class=\"bar other\"").count(), 1);
    }
}
