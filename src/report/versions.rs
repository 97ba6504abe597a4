//! The two versions of a `--versions` drill compared, as text.

use crate::session::versions::Comparison;

/// The comparison as text, for the terminal.
pub fn render(c: &Comparison) -> String {
    let mut out = String::from("90 seconds vs 2 minutes\n");
    for v in [&c.short, &c.long] {
        out += &format!(
            "  {:<18} {:>5.0} s  {:>4} words  score {:>3}  covered {}/{}: {}\n",
            v.label,
            v.seconds,
            v.words,
            v.overall,
            v.covered.len(),
            c.short
                .covered
                .len()
                .max(c.long.covered.len())
                .max(v.covered.len()),
            v.covered.join(", ")
        );
    }
    if c.dropped.is_empty() {
        out += "  The short version dropped nothing the long one covered.\n";
    } else {
        out += &format!("  The short version dropped: {}.\n", c.dropped.join(", "));
    }
    if c.holds_framework {
        out += "  It still holds the framework: every must-keep dimension is there.\n";
    } else {
        out += &format!(
            "  It loses the framework: missing {}.\n",
            c.framework_missing.join(", ")
        );
    }
    out
}
