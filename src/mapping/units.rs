//! Weight and length units for the Convert steps.
//!
//! Parsing accepts what shows up in real data: full names (singular/plural), abbreviations, and the
//! Lightspeed API's upper-case codes (`CT`, `G`, `OZ`, `LB`, `KG`), in any case. Conversion goes through
//! one base unit (grams, millimetres) using exact definitions, so a round trip only loses float precision.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum WeightUnit {
    #[serde(alias = "pound", alias = "pounds", alias = "lbs")]
    Lb,
    #[serde(alias = "ounce", alias = "ounces")]
    Oz,
    #[serde(alias = "kilogram", alias = "kilograms")]
    Kg,
    #[serde(alias = "gram", alias = "grams")]
    G,
    /// Carat; Lightspeed offers it for jewellery.
    #[serde(alias = "carat", alias = "carats")]
    Ct,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    #[serde(alias = "inch", alias = "inches")]
    In,
    #[serde(alias = "centimeter", alias = "centimetre")]
    Cm,
    #[serde(alias = "millimeter", alias = "millimetre")]
    Mm,
    #[serde(alias = "yard", alias = "yards")]
    Yd,
    #[serde(alias = "foot", alias = "feet")]
    Ft,
    #[serde(alias = "meter", alias = "metre")]
    M,
}

impl WeightUnit {
    pub const ALL: [WeightUnit; 5] = [
        WeightUnit::Lb,
        WeightUnit::Oz,
        WeightUnit::Kg,
        WeightUnit::G,
        WeightUnit::Ct,
    ];

    /// `None` for anything unrecognised; callers turn that into a message naming the bad unit.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        let is = |names: &[&str]| names.iter().any(|n| t.eq_ignore_ascii_case(n));
        if is(&["lb", "lbs", "pound", "pounds"]) {
            Some(WeightUnit::Lb)
        } else if is(&["oz", "ounce", "ounces"]) {
            Some(WeightUnit::Oz)
        } else if is(&["kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"]) {
            Some(WeightUnit::Kg)
        } else if is(&["g", "gr", "gram", "grams"]) {
            Some(WeightUnit::G)
        } else if is(&["ct", "carat", "carats"]) {
            Some(WeightUnit::Ct)
        } else {
            None
        }
    }

    /// The pool's spelling (the seed: "pound, ounce, gram, kilogram").
    pub fn full_name(self) -> &'static str {
        match self {
            WeightUnit::Lb => "pound",
            WeightUnit::Oz => "ounce",
            WeightUnit::Kg => "kilogram",
            WeightUnit::G => "gram",
            WeightUnit::Ct => "carat",
        }
    }

    fn grams(self) -> f64 {
        match self {
            WeightUnit::Lb => 453.592_37,
            WeightUnit::Oz => 28.349_523_125,
            WeightUnit::Kg => 1000.0,
            WeightUnit::G => 1.0,
            WeightUnit::Ct => 0.2,
        }
    }

    pub fn convert(self, value: f64, to: WeightUnit) -> f64 {
        if self == to {
            value
        } else {
            value * self.grams() / to.grams()
        }
    }
}

impl LengthUnit {
    pub const ALL: [LengthUnit; 6] = [
        LengthUnit::In,
        LengthUnit::Cm,
        LengthUnit::Mm,
        LengthUnit::Yd,
        LengthUnit::Ft,
        LengthUnit::M,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        let is = |names: &[&str]| names.iter().any(|n| t.eq_ignore_ascii_case(n));
        if is(&["in", "inch", "inches", "\""]) {
            Some(LengthUnit::In)
        } else if is(&[
            "cm",
            "centimeter",
            "centimeters",
            "centimetre",
            "centimetres",
        ]) {
            Some(LengthUnit::Cm)
        } else if is(&[
            "mm",
            "millimeter",
            "millimeters",
            "millimetre",
            "millimetres",
        ]) {
            Some(LengthUnit::Mm)
        } else if is(&["yd", "yds", "yard", "yards"]) {
            Some(LengthUnit::Yd)
        } else if is(&["ft", "foot", "feet", "'"]) {
            Some(LengthUnit::Ft)
        } else if is(&["m", "meter", "meters", "metre", "metres"]) {
            Some(LengthUnit::M)
        } else {
            None
        }
    }

    pub fn full_name(self) -> &'static str {
        match self {
            LengthUnit::In => "inch",
            LengthUnit::Cm => "centimeter",
            LengthUnit::Mm => "millimeter",
            LengthUnit::Yd => "yard",
            LengthUnit::Ft => "foot",
            LengthUnit::M => "meter",
        }
    }

    fn millimetres(self) -> f64 {
        match self {
            LengthUnit::In => 25.4,
            LengthUnit::Cm => 10.0,
            LengthUnit::Mm => 1.0,
            LengthUnit::Yd => 914.4,
            LengthUnit::Ft => 304.8,
            LengthUnit::M => 1000.0,
        }
    }

    pub fn convert(self, value: f64, to: LengthUnit) -> f64 {
        if self == to {
            value
        } else {
            value * self.millimetres() / to.millimetres()
        }
    }
}
