//! The errors of `oa-geo`: each names the file and the feature, key or code at fault.

/// Everything that can go wrong reading boundaries, change lists and converting vintages.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: not valid JSON: {message}")]
    Json { file: String, message: String },
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    #[error(
        "{file}: feature {feature} has no code property `{wanted}`; properties present: {present}. Name the code property (e.g. `code_property = \"{suggestion}\"` or `--code-property {suggestion}`)"
    )]
    MissingCodeProperty {
        file: String,
        feature: String,
        wanted: String,
        present: String,
        suggestion: String,
    },
    #[error("{file}: feature {feature}: {message}")]
    InvalidGeometry {
        file: String,
        feature: String,
        message: String,
    },
    #[error(
        "{file}: unrecognised coordinate reference system {crs}; oa reads WGS84 longitude/latitude (EPSG:4326, CRS84) and British National Grid (EPSG:27700)"
    )]
    UnknownProjection { file: String, crs: String },
    #[error(
        "{file}: layer `{wanted}` not found; layers present: {present}. Choose one with `layer`"
    )]
    MissingLayer {
        file: String,
        wanted: String,
        present: String,
    },
    #[error("{file}, line {line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{0}")]
    Vintage(String),
}

impl GeoError {
    pub(crate) fn format(file: &str, message: impl Into<String>) -> GeoError {
        GeoError::Format {
            file: file.to_string(),
            message: message.into(),
        }
    }
}
