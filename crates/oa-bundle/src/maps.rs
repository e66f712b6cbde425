//! The maps section: `map_score.svg`, `map_band.svg`, `map_clusters.svg` and PNG copies.

/// The maps of a bundle, in drawing order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Maps {
    pub maps: Vec<Map>,
}

/// One map: `<stem>.svg` and, when asked, `<stem>.png`.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// `map_score`, `map_band` or `map_clusters`.
    pub stem: String,
    pub svg: String,
    pub png: Option<Vec<u8>>,
}

/// The map stems a bundle may hold, in drawing order.
pub const MAP_STEMS: [&str; 3] = ["map_score", "map_band", "map_clusters"];

impl Maps {
    /// The map `stem`, when drawn.
    pub fn get(&self, stem: &str) -> Option<&Map> {
        self.maps.iter().find(|m| m.stem == stem)
    }
}
