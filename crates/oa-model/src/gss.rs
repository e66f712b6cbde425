//! ONS GSS area codes: a letter for the country and eight digits, the first three
//! characters naming the kind of area (`E06` unitary authority, `E01` LSOA, ...). Which
//! kinds each well-known area type allows, and what a code is, for messages.

/// GSS entity prefixes each well-known `geography.area_type` allows.
pub const AREA_TYPES: &[(&str, &[&str])] = &[
    ("lsoa", &["E01", "W01"]),
    ("msoa", &["E02", "W02"]),
    ("lad", &["E06", "E07", "E08", "E09", "W06", "S12", "N09"]),
    ("ltla", &["E06", "E07", "E08", "E09", "W06", "S12", "N09"]),
    ("utla", &["E06", "E08", "E09", "E10", "W06", "S12", "N09"]),
    ("region", &["E12"]),
];

/// The GSS prefixes an area type allows, when it is a well-known one (case ignored).
pub fn allowed_prefixes(area_type: &str) -> Option<&'static [&'static str]> {
    AREA_TYPES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(area_type.trim()))
        .map(|(_, p)| *p)
}

/// True for a code shaped like a GSS code: `E`, `W`, `S`, `N` or `K` (either case), then
/// eight digits.
pub fn is_gss_shaped(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 9
        && matches!(b[0].to_ascii_uppercase(), b'E' | b'W' | b'S' | b'N' | b'K')
        && b[1..].iter().all(u8::is_ascii_digit)
}

/// A GSS-shaped code in upper case (`e06000005` -> `E06000005`); `None` when the code is
/// not GSS-shaped or already upper case.
pub fn upper_cased(code: &str) -> Option<String> {
    (is_gss_shaped(code) && code.as_bytes()[0].is_ascii_lowercase())
        .then(|| code.to_ascii_uppercase())
}

/// What kind of area a GSS code is (`a county`), from its first three characters.
pub fn entity_of(code: &str) -> Option<&'static str> {
    if !is_gss_shaped(code) {
        return None;
    }
    Some(match &code[..3] {
        "E00" | "W00" => "an output area",
        "E01" | "W01" => "an LSOA",
        "E02" | "W02" => "an MSOA",
        "E05" | "W05" => "an electoral ward",
        "E06" | "W06" => "a unitary authority",
        "E07" => "a shire district",
        "E08" => "a metropolitan district",
        "E09" => "a London borough",
        "E10" => "a county",
        "E11" => "a metropolitan county",
        "E12" => "a region",
        "E47" => "a combined authority",
        "S12" => "a Scottish council area",
        "N09" => "a Northern Irish district",
        "E92" | "W92" | "S92" | "N92" => "a country",
        "K02" | "K03" | "K04" => "a group of countries",
        _ => "another kind of area",
    })
}

/// A code's shape: each run of letters becomes `A`, of digits `9`; other characters
/// stay. `E06000005` -> `A9`, `England` -> `A`, `Notes: 1.` -> `A: 9.`.
pub fn shape(code: &str) -> String {
    let mut out = String::new();
    for c in code.chars() {
        let class = if c.is_alphabetic() {
            'A'
        } else if c.is_ascii_digit() {
            '9'
        } else {
            c
        };
        if out.ends_with(class) && (class == 'A' || class == '9') {
            continue;
        }
        out.push(class);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_recognised_and_upper_cased() {
        assert!(is_gss_shaped("E06000005") && is_gss_shaped("e06000005"));
        assert!(!is_gss_shaped("England") && !is_gss_shaped("E0600000"));
        assert_eq!(upper_cased("e06000005").as_deref(), Some("E06000005"));
        assert_eq!(upper_cased("E06000005"), None);
        assert_eq!(entity_of("E10000002"), Some("a county"));
        assert_eq!(entity_of("E92000001"), Some("a country"));
        assert_eq!(entity_of("Total"), None);
        assert_eq!(allowed_prefixes("UTLA").unwrap()[3], "E10");
        assert_eq!(allowed_prefixes("uk205"), None);
    }

    #[test]
    fn shapes_collapse_runs() {
        assert_eq!(shape("E06000005"), "A9");
        assert_eq!(shape("England"), "A");
        assert_eq!(shape("Notes: 1. Figures"), "A: 9. A");
        assert_eq!(shape("AB-12"), "A-9");
    }
}
