//! Coordinate reference systems: WGS84 longitude/latitude and the Ordnance Survey National
//! Grid (EPSG:27700), which `oa` uses as its common drawing plane for Great Britain.
//!
//! The conversions follow the published Ordnance Survey formulas ("A guide to coordinate
//! systems in Great Britain", annexes B and C): a 7-parameter Helmert transform between the
//! WGS84 and OSGB36 datums (accurate to a few metres, far below what a map can show) and
//! the Transverse Mercator projection of the Airy 1830 ellipsoid.

/// How a boundary file's coordinates are expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceCrs {
    /// Longitude/latitude in degrees on WGS84 (EPSG:4326, OGC CRS84).
    Wgs84,
    /// Easting/northing in metres on the British National Grid (EPSG:27700).
    BritishNationalGrid,
    /// Abstract hexagon-grid units (HexJSON cartograms): not geographic.
    HexGrid,
}

impl SourceCrs {
    /// Recognises a GeoJSON `crs` name such as `EPSG:27700`,
    /// `urn:ogc:def:crs:EPSG::27700` or `urn:ogc:def:crs:OGC:1.3:CRS84`.
    pub fn from_crs_name(name: &str) -> Option<SourceCrs> {
        let n = name.to_ascii_uppercase();
        let code = n.rsplit([':', '/']).next().unwrap_or("");
        if code == "27700" {
            Some(SourceCrs::BritishNationalGrid)
        } else if code == "4326" || code == "CRS84" || code == "4258" {
            Some(SourceCrs::Wgs84)
        } else {
            None
        }
    }

    /// Guesses the system from a bounding box `[min_x, min_y, max_x, max_y]`; `None` when the
    /// ranges fit neither degrees nor the National Grid.
    pub fn from_bounds(b: [f64; 4]) -> Option<SourceCrs> {
        let [x0, y0, x1, y1] = b;
        if x0 >= -180.0 && x1 <= 180.0 && y0 >= -90.0 && y1 <= 90.0 {
            Some(SourceCrs::Wgs84)
        } else if x0 >= -100_000.0 && x1 <= 800_000.0 && y0 >= -100_000.0 && y1 <= 1_400_000.0 {
            Some(SourceCrs::BritishNationalGrid)
        } else {
            None
        }
    }
}

/// An ellipsoid by its semi-major and semi-minor axes (metres).
#[derive(Clone, Copy)]
struct Ellipsoid {
    a: f64,
    b: f64,
}

impl Ellipsoid {
    fn e2(self) -> f64 {
        (self.a * self.a - self.b * self.b) / (self.a * self.a)
    }
}

const AIRY_1830: Ellipsoid = Ellipsoid {
    a: 6_377_563.396,
    b: 6_356_256.909,
};
const WGS84: Ellipsoid = Ellipsoid {
    a: 6_378_137.0,
    b: 6_356_752.314_245,
};

/// National Grid true origin and scale.
const F0: f64 = 0.999_601_271_7;
const LAT0_DEG: f64 = 49.0;
const LON0_DEG: f64 = -2.0;
const E0: f64 = 400_000.0;
const N0: f64 = -100_000.0;

/// Helmert parameters WGS84 -> OSGB36: translations (m), scale (ppm), rotations (arc seconds).
const HELMERT_TO_OSGB36: [f64; 7] = [
    -446.448, 125.157, -542.060, 20.4894, -0.1502, -0.2470, -0.8421,
];

fn to_cartesian(lat: f64, lon: f64, e: Ellipsoid) -> [f64; 3] {
    let e2 = e.e2();
    let (s, c) = lat.sin_cos();
    let nu = e.a / (1.0 - e2 * s * s).sqrt();
    [nu * c * lon.cos(), nu * c * lon.sin(), (1.0 - e2) * nu * s]
}

fn from_cartesian(p: [f64; 3], e: Ellipsoid) -> (f64, f64) {
    let e2 = e.e2();
    let lon = p[1].atan2(p[0]);
    let r = p[0].hypot(p[1]);
    let mut lat = p[2].atan2(r * (1.0 - e2));
    for _ in 0..6 {
        let s = lat.sin();
        let nu = e.a / (1.0 - e2 * s * s).sqrt();
        lat = (p[2] + e2 * nu * s).atan2(r);
    }
    (lat, lon)
}

fn helmert(p: [f64; 3], sign: f64) -> [f64; 3] {
    let h = HELMERT_TO_OSGB36;
    let arcsec = std::f64::consts::PI / (180.0 * 3600.0);
    let (tx, ty, tz) = (sign * h[0], sign * h[1], sign * h[2]);
    let s = 1.0 + sign * h[3] * 1e-6;
    let (rx, ry, rz) = (
        sign * h[4] * arcsec,
        sign * h[5] * arcsec,
        sign * h[6] * arcsec,
    );
    [
        tx + s * (p[0] - rz * p[1] + ry * p[2]),
        ty + s * (rz * p[0] + p[1] - rx * p[2]),
        tz + s * (-ry * p[0] + rx * p[1] + p[2]),
    ]
}

/// Meridional arc of the Airy ellipsoid from the true origin's latitude (scaled by F0).
fn meridional_arc(lat: f64) -> f64 {
    let Ellipsoid { a, b } = AIRY_1830;
    let n = (a - b) / (a + b);
    let (n2, n3) = (n * n, n * n * n);
    let lat0 = LAT0_DEG.to_radians();
    let (d, s) = (lat - lat0, lat + lat0);
    b * F0
        * ((1.0 + n + 1.25 * n2 + 1.25 * n3) * d
            - (3.0 * n + 3.0 * n2 + 2.625 * n3) * d.sin() * s.cos()
            + (1.875 * n2 + 1.875 * n3) * (2.0 * d).sin() * (2.0 * s).cos()
            - (35.0 / 24.0) * n3 * (3.0 * d).sin() * (3.0 * s).cos())
}

/// Transverse Mercator: OSGB36 latitude/longitude (radians) to easting/northing (metres).
pub fn osgb36_to_grid(lat: f64, lon: f64) -> (f64, f64) {
    let Ellipsoid { a, .. } = AIRY_1830;
    let e2 = AIRY_1830.e2();
    let (s, c) = lat.sin_cos();
    let t = s / c;
    let (t2, t4) = (t * t, t * t * t * t);
    let w = 1.0 - e2 * s * s;
    let nu = a * F0 / w.sqrt();
    let rho = a * F0 * (1.0 - e2) / w.powf(1.5);
    let eta2 = nu / rho - 1.0;
    let (c3, c5) = (c * c * c, c * c * c * c * c);
    let i = meridional_arc(lat) + N0;
    let ii = nu / 2.0 * s * c;
    let iii = nu / 24.0 * s * c3 * (5.0 - t2 + 9.0 * eta2);
    let iiia = nu / 720.0 * s * c5 * (61.0 - 58.0 * t2 + t4);
    let iv = nu * c;
    let v = nu / 6.0 * c3 * (nu / rho - t2);
    let vi = nu / 120.0 * c5 * (5.0 - 18.0 * t2 + t4 + 14.0 * eta2 - 58.0 * t2 * eta2);
    let dl = lon - LON0_DEG.to_radians();
    let (dl2, dl3) = (dl * dl, dl * dl * dl);
    let north = i + ii * dl2 + iii * dl2 * dl2 + iiia * dl3 * dl3;
    let east = E0 + iv * dl + v * dl3 + vi * dl3 * dl2;
    (east, north)
}

/// Inverse Transverse Mercator: easting/northing (metres) to OSGB36 latitude/longitude
/// (radians).
pub fn grid_to_osgb36(east: f64, north: f64) -> (f64, f64) {
    let Ellipsoid { a, .. } = AIRY_1830;
    let e2 = AIRY_1830.e2();
    let mut lat = LAT0_DEG.to_radians();
    let mut m = 0.0;
    loop {
        lat += (north - N0 - m) / (a * F0);
        m = meridional_arc(lat);
        if (north - N0 - m).abs() < 1e-5 {
            break;
        }
    }
    let (s, c) = lat.sin_cos();
    let t = s / c;
    let (t2, t4, t6) = (t * t, t.powi(4), t.powi(6));
    let w = 1.0 - e2 * s * s;
    let nu = a * F0 / w.sqrt();
    let rho = a * F0 * (1.0 - e2) / w.powf(1.5);
    let eta2 = nu / rho - 1.0;
    let sec = 1.0 / c;
    let vii = t / (2.0 * rho * nu);
    let viii = t / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = t / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);
    let de = east - E0;
    let (de2, de3) = (de * de, de * de * de);
    let lat_out = lat - vii * de2 + viii * de2 * de2 - ix * de3 * de3;
    let lon_out =
        LON0_DEG.to_radians() + x * de - xi * de3 + xii * de3 * de2 - xiia * de3 * de2 * de2;
    (lat_out, lon_out)
}

/// WGS84 longitude/latitude (degrees) to British National Grid easting/northing (metres).
pub fn wgs84_to_bng(lon_deg: f64, lat_deg: f64) -> (f64, f64) {
    let p = to_cartesian(lat_deg.to_radians(), lon_deg.to_radians(), WGS84);
    let (lat, lon) = from_cartesian(helmert(p, 1.0), AIRY_1830);
    osgb36_to_grid(lat, lon)
}

/// British National Grid easting/northing (metres) to WGS84 longitude/latitude (degrees).
pub fn bng_to_wgs84(east: f64, north: f64) -> (f64, f64) {
    let (lat, lon) = grid_to_osgb36(east, north);
    let p = to_cartesian(lat, lon, AIRY_1830);
    let (lat, lon) = from_cartesian(helmert(p, -1.0), WGS84);
    (lon.to_degrees(), lat.to_degrees())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dms(d: f64, m: f64, s: f64) -> f64 {
        (d + m / 60.0 + s / 3600.0).to_radians()
    }

    /// The worked example of the OS guide (annex C): 52°39'27.2531"N 1°43'4.5177"E on
    /// OSGB36 is E 651409.903, N 313177.270.
    #[test]
    fn transverse_mercator_matches_the_os_worked_example() {
        let (e, n) = osgb36_to_grid(dms(52.0, 39.0, 27.2531), dms(1.0, 43.0, 4.5177));
        assert!((e - 651_409.903).abs() < 0.01, "easting {e}");
        assert!((n - 313_177.270).abs() < 0.01, "northing {n}");
        let (lat, lon) = grid_to_osgb36(651_409.903, 313_177.270);
        assert!((lat - dms(52.0, 39.0, 27.2531)).abs() < 1e-9);
        assert!((lon - dms(1.0, 43.0, 4.5177)).abs() < 1e-9);
    }

    /// ONS publishes each district's centroid in both systems: Hartlepool (E06000001) is
    /// at BNG_E 447160, BNG_N 531474 and LONG -1.27018, LAT 54.67614 (LAD May 2021 file).
    #[test]
    fn wgs84_and_grid_agree_with_the_ons_centroids() {
        let (e, n) = wgs84_to_bng(-1.270_18, 54.676_14);
        assert!((e - 447_160.0).abs() < 5.0, "easting {e}");
        assert!((n - 531_474.0).abs() < 5.0, "northing {n}");
        let (lon, lat) = bng_to_wgs84(447_160.0, 531_474.0);
        assert!((lon + 1.270_18).abs() < 1e-4 && (lat - 54.676_14).abs() < 1e-4);
    }

    #[test]
    fn crs_names_and_bounds_are_recognised() {
        assert_eq!(
            SourceCrs::from_crs_name("urn:ogc:def:crs:EPSG::27700"),
            Some(SourceCrs::BritishNationalGrid)
        );
        assert_eq!(
            SourceCrs::from_crs_name("EPSG:4326"),
            Some(SourceCrs::Wgs84)
        );
        assert_eq!(SourceCrs::from_crs_name("EPSG:3857"), None);
        assert_eq!(
            SourceCrs::from_bounds([-8.6, 49.8, 1.8, 60.9]),
            Some(SourceCrs::Wgs84)
        );
        assert_eq!(
            SourceCrs::from_bounds([1e4, 5e3, 6.5e5, 1.2e6]),
            Some(SourceCrs::BritishNationalGrid)
        );
        assert_eq!(SourceCrs::from_bounds([-2e7, -2e7, 2e7, 2e7]), None);
    }
}
