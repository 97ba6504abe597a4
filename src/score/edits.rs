//! Whether two keys are within an edit or two of each other, fast enough to try every candidate a
//! transcript offers: a pigeonhole filter rules most out at once, and only the diagonal band of the
//! edit-distance table is computed for the rest.

/// Whether `a` and `b` are within `k` edits (insertions, deletions, substitutions) of each other.
/// Cut into `k + 1` parts, `a` keeps at least one part untouched by `k` edits, found in `b` within
/// `k` places of where it was, which rules out most candidates at once.
/// Otherwise only the diagonal band of width `2k + 1` of the edit-distance table can stay within
/// `k`, so only it is computed, with distances capped at `k + 1`, stopping once a row is over.
pub fn within_edits(a: &[u8], b: &[u8], k: usize) -> bool {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > k || !untouched_part(a, b, k) {
        return false;
    }
    let cap = (k + 1).min(u8::MAX as usize) as u8;
    if m + 2 <= 64 {
        banded(a, b, k, &mut [cap; 64], &mut [cap; 64])
    } else {
        banded(a, b, k, &mut vec![cap; m + 2], &mut vec![cap; m + 2])
    }
}

/// Whether some part of `a`, cut into `k + 1` parts, appears in `b` within `k` places of its own
/// position. By pigeonhole this holds whenever `a` and `b` are within `k` edits: the first part is
/// then where it was, the last is where it was counted from the end, and a middle one is shifted
/// by at most `k`.
fn untouched_part(a: &[u8], b: &[u8], k: usize) -> bool {
    let (n, m) = (a.len(), b.len());
    let t = n.min(m) / (k + 1);
    if t == 0 || a[..t] == b[..t] || a[n - t..] == b[m - t..] {
        return true;
    }
    (1..k).any(|part| {
        let (from, to) = (part * t, (part + 1) * t);
        let lo = from.saturating_sub(k);
        let hi = (to + k).min(m);
        lo < hi && b[lo..hi].windows(t).any(|w| w == &a[from..to])
    })
}

/// The banded edit-distance rows of [`within_edits`], in buffers of at least `b.len() + 2` cells
/// filled with `k + 1`.
fn banded<'r>(a: &[u8], b: &[u8], k: usize, mut prev: &'r mut [u8], mut cur: &'r mut [u8]) -> bool {
    let (n, m, cap) = (a.len(), b.len(), prev[0]);
    for (j, p) in prev.iter_mut().enumerate().take(m.min(k) + 1) {
        *p = j as u8;
    }
    for i in 1..=n {
        let (lo, hi) = (i.saturating_sub(k).max(1), (i + k).min(m));
        cur[lo - 1] = if lo == 1 {
            i.min(cap as usize) as u8
        } else {
            cap
        };
        let mut row_min = cur[lo - 1];
        for j in lo..=hi {
            let sub = prev[j - 1].saturating_add(u8::from(a[i - 1] != b[j - 1]));
            cur[j] = sub
                .min(prev[j].saturating_add(1))
                .min(cur[j - 1].saturating_add(1))
                .min(cap);
            row_min = row_min.min(cur[j]);
        }
        cur[hi + 1] = cap;
        if row_min as usize > k {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m] as usize <= k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_is_bounded() {
        assert!(within_edits(b"idempotent", b"itempotent", 1));
        assert!(within_edits(b"idempotent", b"idempotnt", 1));
        assert!(within_edits(b"idempotent", b"xdempotent", 1));
        assert!(!within_edits(b"rollback", b"fallback", 1));
        assert!(within_edits(b"", b"a", 1));
        assert!(!within_edits(b"abc", b"xyz", 2));
        assert!(within_edits(b"observability", b"obserbability", 2));
        assert!(within_edits(b"observability", b"observabilty", 1));
        let long = [b'a'; 100];
        assert!(within_edits(&long, &long[1..], 1));
    }

    #[test]
    fn the_band_agrees_with_the_full_table() {
        let words: [&[u8]; 8] = [
            b"timeout",
            b"timouts",
            b"tmeout",
            b"timeoutt",
            b"imeout",
            b"tiemout",
            b"xx",
            b"",
        ];
        for a in words {
            for b in words {
                for k in 1..=2 {
                    assert_eq!(
                        within_edits(a, b, k),
                        distance(a, b) <= k,
                        "{a:?} {b:?} {k}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_shortcuts_agree_with_the_full_table(a in "[abc]{0,14}", b in "[abc]{0,14}", k in 1usize..=2) {
            proptest::prop_assert_eq!(within_edits(a.as_bytes(), b.as_bytes(), k), distance(a.as_bytes(), b.as_bytes()) <= k);
        }
    }

    /// The full edit-distance table, for checking the banded one.
    fn distance(a: &[u8], b: &[u8]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, &ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, &cb) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + usize::from(ca != cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }
}
