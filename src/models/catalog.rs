//! The whisper.cpp models that `rehearse models fetch` knows how to download: the ggml files the
//! whisper.cpp project publishes, each with the SHA-1 its authors publish for it, so that a download
//! can be checked before whisper.cpp ever opens it.
//!
//! Sources. The full-precision models' checksums are the "Available models" table of whisper.cpp's
//! `models/README.md` (ggml-org/whisper.cpp at commit 41e789ee591d054769a2fa3ebd9f0a8bc6d6d5fa). The
//! quantised models (`-q5_0`, `-q5_1`, `-q8_0`) are not in that table; their checksums are the table
//! of the model card (`README.md`) of the `ggerganov/whisper.cpp` model repository that hosts the
//! files, which lists every file, the full-precision ones with the same checksums as the source
//! repository. `small.en-tdrz` is left out because it is hosted in another model repository, so the
//! one URL pattern below does not reach it.
//!
//! Sizes are the rounded "Disk" column of those tables (for example 75 MiB, 1.5 GiB), so
//! [`CatalogEntry::bytes`] is approximate; the server's `Content-Length` is the exact size.

/// Where the published ggml files live; a file's URL is this, a slash, and its file name.
pub const DEFAULT_BASE_URL: &str = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main";

/// One downloadable model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The name whisper.cpp uses for it, such as `tiny.en` or `base.en-q5_1`.
    pub name: &'static str,
    /// The published file name, `ggml-<name>.bin`.
    pub file: &'static str,
    /// The approximate size in bytes, from the published size rounded to a MiB or a tenth of a GiB.
    pub bytes: u64,
    /// The published size as written in the table, such as `75 MiB`.
    pub disk: &'static str,
    /// The published SHA-1 of the whole file, 40 lower-case hex digits.
    pub sha1: &'static str,
    /// True for the `.en` models, which only transcribe English.
    pub english_only: bool,
    /// True for the quantised files, which are smaller and faster at some cost in accuracy.
    pub quantized: bool,
}

impl CatalogEntry {
    /// The URL of this model's file under `base_url`, tolerating a trailing slash on the base.
    pub fn url(&self, base_url: &str) -> String {
        format!("{}/{}", base_url.trim_end_matches('/'), self.file)
    }
}

const MIB: u64 = 1024 * 1024;

/// True when `needle` occurs in `hay`; a `const fn` so the flags below are derived from the names
/// at compile time and can never disagree with them.
const fn contains(hay: &str, needle: &str) -> bool {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let mut start = 0;
    while start + needle.len() <= hay.len() {
        let mut i = 0;
        while i < needle.len() && hay[start + i] == needle[i] {
            i += 1;
        }
        if i == needle.len() {
            return true;
        }
        start += 1;
    }
    false
}

/// Builds the table from one row per model: name, published size, that size in MiB, SHA-1. The file
/// name and the two flags are derived from the name, so a row cannot contradict itself.
macro_rules! models {
    ($($name:literal, $disk:literal, $mib:literal, $sha1:literal;)*) => {
        &[$(CatalogEntry {
            name: $name,
            file: concat!("ggml-", $name, ".bin"),
            bytes: $mib * MIB,
            disk: $disk,
            sha1: $sha1,
            english_only: contains($name, ".en"),
            quantized: contains($name, "-q"),
        }),*]
    };
}

/// Every known model, smallest family first, in the order of the published tables. The GiB sizes
/// are converted to MiB at the tables' precision of a tenth of a GiB (1.5 GiB is 1536 MiB).
#[rustfmt::skip]
static CATALOG: &[CatalogEntry] = models! {
    "tiny",                "75 MiB",    75, "bd577a113a864445d4c299885e0cb97d4ba92b5f";
    "tiny-q5_1",           "31 MiB",    31, "2827a03e495b1ed3048ef28a6a4620537db4ee51";
    "tiny-q8_0",           "42 MiB",    42, "19e8118f6652a650569f5a949d962154e01571d9";
    "tiny.en",             "75 MiB",    75, "c78c86eb1a8faa21b369bcd33207cc90d64ae9df";
    "tiny.en-q5_1",        "31 MiB",    31, "3fb92ec865cbbc769f08137f22470d6b66e071b6";
    "tiny.en-q8_0",        "42 MiB",    42, "802d6668e7d411123e672abe4cb6c18f12306abb";
    "base",                "142 MiB",  142, "465707469ff3a37a2b9b8d8f89f2f99de7299dac";
    "base-q5_1",           "57 MiB",    57, "a3733eda680ef76256db5fc5dd9de8629e62c5e7";
    "base-q8_0",           "78 MiB",    78, "7bb89bb49ed6955013b166f1b6a6c04584a20fbe";
    "base.en",             "142 MiB",  142, "137c40403d78fd54d454da0f9bd998f78703390c";
    "base.en-q5_1",        "57 MiB",    57, "d26d7ce5a1b6e57bea5d0431b9c20ae49423c94a";
    "base.en-q8_0",        "78 MiB",    78, "bb1574182e9b924452bf0cd1510ac034d323e948";
    "small",               "466 MiB",  466, "55356645c2b361a969dfd0ef2c5a50d530afd8d5";
    "small-q5_1",          "181 MiB",  181, "6fe57ddcfdd1c6b07cdcc73aaf620810ce5fc771";
    "small-q8_0",          "252 MiB",  252, "bcad8a2083f4e53d648d586b7dbc0cd673d8afad";
    "small.en",            "466 MiB",  466, "db8a495a91d927739e50b3fc1cc4c6b8f6c2d022";
    "small.en-q5_1",       "181 MiB",  181, "20f54878d608f94e4a8ee3ae56016571d47cba34";
    "small.en-q8_0",       "252 MiB",  252, "9d75ff4ccfa0a8217870d7405cf8cef0a5579852";
    "medium",              "1.5 GiB", 1536, "fd9727b6e1217c2f614f9b698455c4ffd82463b4";
    "medium-q5_0",         "514 MiB",  514, "7718d4c1ec62ca96998f058114db98236937490e";
    "medium-q8_0",         "785 MiB",  785, "e66645948aff4bebbec71b3485c576f3d63af5d6";
    "medium.en",           "1.5 GiB", 1536, "8c30f0e44ce9560643ebd10bbe50cd20eafd3723";
    "medium.en-q5_0",      "514 MiB",  514, "bb3b5281bddd61605d6fc76bc5b92d8f20284c3b";
    "medium.en-q8_0",      "785 MiB",  785, "b1cf48c12c807e14881f634fb7b6c6ca867f6b38";
    "large-v1",            "2.9 GiB", 2970, "b1caaf735c4cc1429223d5a74f0f4d0b9b59a299";
    "large-v2",            "2.9 GiB", 2970, "0f4c8e34f21cf1a914c59d8b3ce882345ad349d6";
    "large-v2-q5_0",       "1.1 GiB", 1126, "00e39f2196344e901b3a2bd5814807a769bd1630";
    "large-v2-q8_0",       "1.5 GiB", 1536, "da97d6ca8f8ffbeeb5fd147f79010eeea194ba38";
    "large-v3",            "2.9 GiB", 2970, "ad82bf6a9043ceed055076d0fd39f5f186ff8062";
    "large-v3-q5_0",       "1.1 GiB", 1126, "e6e2ed78495d403bef4b7cff42ef4aaadcfea8de";
    "large-v3-turbo",      "1.5 GiB", 1536, "4af2b29d7ec73d781377bfd1758ca957a807e941";
    "large-v3-turbo-q5_0", "547 MiB",  547, "e050f7970618a659205450ad97eb95a18d69c9ee";
    "large-v3-turbo-q8_0", "834 MiB",  834, "01bf15bedffe9f39d65c1b6ff9b687ea91f59e0e";
};

/// Every known model, in the order of the published tables.
pub fn all() -> &'static [CatalogEntry] {
    CATALOG
}

/// Looks a model up by name, accepting the bare name (`tiny.en`), the file name
/// (`ggml-tiny.en.bin`) or either half of it, in any letter case and with surrounding spaces.
pub fn find(name: &str) -> Option<&'static CatalogEntry> {
    let wanted = name.trim().to_ascii_lowercase();
    let wanted = wanted.strip_prefix("ggml-").unwrap_or(&wanted);
    let wanted = wanted.strip_suffix(".bin").unwrap_or(wanted);
    CATALOG.iter().find(|e| e.name == wanted)
}

/// The known names joined by commas, for messages that must list them.
pub fn names() -> String {
    CATALOG
        .iter()
        .map(|e| e.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_checksum_is_forty_lower_case_hex_digits() {
        for e in all() {
            assert_eq!(e.sha1.len(), 40, "{}", e.name);
            assert!(
                e.sha1
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{}: {}",
                e.name,
                e.sha1
            );
        }
    }

    #[test]
    fn names_files_and_checksums_are_unique() {
        let names: HashSet<_> = all().iter().map(|e| e.name).collect();
        let files: HashSet<_> = all().iter().map(|e| e.file).collect();
        let sums: HashSet<_> = all().iter().map(|e| e.sha1).collect();
        assert_eq!(names.len(), all().len());
        assert_eq!(files.len(), all().len());
        assert_eq!(sums.len(), all().len());
    }

    #[test]
    fn flags_and_file_names_agree_with_the_names() {
        for e in all() {
            assert_eq!(e.file, format!("ggml-{}.bin", e.name));
            assert_eq!(e.english_only, e.name.contains(".en"), "{}", e.name);
            assert_eq!(e.quantized, e.name.contains("-q"), "{}", e.name);
            assert!((30 * MIB..=3 * 1024 * MIB).contains(&e.bytes), "{}", e.name);
        }
        let flags = |n: &str| find(n).map(|e| (e.english_only, e.quantized));
        assert_eq!(flags("tiny"), Some((false, false)));
        assert_eq!(flags("base.en"), Some((true, false)));
        assert_eq!(flags("small-q5_1"), Some((false, true)));
        assert_eq!(flags("medium.en-q8_0"), Some((true, true)));
        assert_eq!(find("large-v3-turbo").unwrap().bytes, 1536 * MIB);
    }

    #[test]
    fn the_models_the_brief_requires_are_present() {
        for name in ["tiny", "tiny.en", "base", "base.en", "small", "small.en"] {
            assert!(find(name).is_some(), "{name}");
        }
        assert!(find("tiny.en-q5_1").unwrap().quantized);
    }

    #[test]
    fn find_accepts_names_file_names_and_any_case() {
        let tiny_en = find("tiny.en").unwrap();
        assert_eq!(tiny_en.sha1, "c78c86eb1a8faa21b369bcd33207cc90d64ae9df");
        for form in [
            "ggml-tiny.en.bin",
            "TINY.EN",
            " Tiny.En ",
            "ggml-tiny.en",
            "tiny.en.bin",
        ] {
            assert_eq!(find(form), Some(tiny_en), "{form}");
        }
        assert_eq!(find("tiny").unwrap().name, "tiny");
        assert!(find("tiny.e").is_none());
        assert!(find("huge").is_none());
        assert!(find("").is_none());
    }

    #[test]
    fn urls_follow_the_published_pattern() {
        let e = find("base.en").unwrap();
        assert_eq!(
            e.url(DEFAULT_BASE_URL),
            format!("{DEFAULT_BASE_URL}/ggml-base.en.bin")
        );
        assert_eq!(
            e.url("http://127.0.0.1:9/m/"),
            "http://127.0.0.1:9/m/ggml-base.en.bin"
        );
    }

    #[test]
    fn names_lists_every_model() {
        let listed = names();
        assert!(all().iter().all(|e| listed.contains(e.name)));
        assert!(listed.starts_with("tiny, tiny-q5_1"));
    }
}
