//! Whether a column's new type holds every value of its old one: a widening is safe, anything
//! else depends on the data.

use crate::schema::ColumnType;

/// What changing a column from one type to another does to its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChange {
    /// Every old value fits the new type unchanged.
    Widens,
    /// Same kind of type, smaller: the reason says which values suffer.
    Narrows(&'static str),
    /// A different kind of type: values are converted, where they can be.
    Converts,
}

/// How `from` relates to `to` (two normalised types).
pub fn classify(from: &ColumnType, to: &ColumnType) -> TypeChange {
    use ColumnType as T;
    use TypeChange::*;
    if from == to {
        return Widens;
    }
    if let (Some(a), Some(b)) = (int_range(from), int_range(to)) {
        return if b.0 <= a.0 && b.1 >= a.1 { Widens } else { Narrows("values out of range fail") };
    }
    if let (Some(a), Some(b)) = (text_len(from), text_len(to)) {
        return by_length(a, b, "longer values fail or are cut");
    }
    if let (Some(a), Some(b)) = (binary_len(from), binary_len(to)) {
        return by_length(a, b, "longer values fail or are cut");
    }
    match (from, to) {
        (T::Float, T::Double) => Widens,
        (T::Double, T::Float) => Narrows("precision is lost"),
        (T::Decimal { precision: p1, scale: s1 }, T::Decimal { precision: p2, scale: s2 }) => {
            decimal(*p1, *s1, *p2, *s2)
        }
        (_, T::Decimal { precision, scale }) if int_range(from).is_some() => {
            let digits = int_digits(from);
            decimal(Some(digits), Some(0), *precision, *scale)
        }
        (T::InlineEnum(a), T::InlineEnum(b)) if a.iter().all(|v| b.contains(v)) => Widens,
        (T::InlineEnum(_), T::InlineEnum(_)) => Narrows("rows holding a removed value fail"),
        _ => Converts,
    }
}

/// The smallest and largest value of an integer type.
fn int_range(ty: &ColumnType) -> Option<(i128, i128)> {
    use ColumnType as T;
    Some(match ty {
        T::TinyInt => (i8::MIN.into(), i8::MAX.into()),
        T::SmallInt => (i16::MIN.into(), i16::MAX.into()),
        T::Integer => (i32::MIN.into(), i32::MAX.into()),
        T::BigInt => (i64::MIN.into(), i64::MAX.into()),
        T::TinyUnsigned => (0, u8::MAX.into()),
        T::SmallUnsigned => (0, u16::MAX.into()),
        T::Unsigned => (0, u32::MAX.into()),
        T::BigUnsigned => (0, u64::MAX.into()),
        _ => return None,
    })
}

/// The decimal digits an integer type may need.
fn int_digits(ty: &ColumnType) -> u32 {
    let (min, max) = int_range(ty).unwrap_or((0, 0));
    min.unsigned_abs().max(max.unsigned_abs()).to_string().len() as u32
}

/// The length limit of a character type: `Some(None)` for an unlimited one.
fn text_len(ty: &ColumnType) -> Option<Option<u32>> {
    match ty {
        ColumnType::String { len } | ColumnType::Char { len } => Some(*len),
        ColumnType::Text => Some(None),
        _ => None,
    }
}

/// The length limit of a binary type: `Some(None)` for an unlimited one.
fn binary_len(ty: &ColumnType) -> Option<Option<u32>> {
    match ty {
        ColumnType::Binary { len } | ColumnType::VarBinary { len } => Some(*len),
        ColumnType::Blob => Some(None),
        _ => None,
    }
}

fn by_length(from: Option<u32>, to: Option<u32>, narrows: &'static str) -> TypeChange {
    match (from, to) {
        (_, None) => TypeChange::Widens,
        (Some(a), Some(b)) if b >= a => TypeChange::Widens,
        _ => TypeChange::Narrows(narrows),
    }
}

/// A decimal widens when neither its digits before the point nor after it shrink; no
/// precision means unlimited.
fn decimal(p1: Option<u32>, s1: Option<u32>, p2: Option<u32>, s2: Option<u32>) -> TypeChange {
    let Some(p2) = p2 else { return TypeChange::Widens };
    let Some(p1) = p1 else { return TypeChange::Narrows("values out of range fail or are rounded") };
    let (s1, s2) = (s1.unwrap_or(0), s2.unwrap_or(0));
    let whole = |p: u32, s: u32| p.saturating_sub(s);
    if s2 >= s1 && whole(p2, s2) >= whole(p1, s1) {
        TypeChange::Widens
    } else {
        TypeChange::Narrows("values out of range fail or are rounded")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnType as T;

    #[test]
    fn widenings() {
        assert_eq!(classify(&T::Integer, &T::BigInt), TypeChange::Widens);
        assert_eq!(classify(&T::SmallUnsigned, &T::Integer), TypeChange::Widens);
        assert_eq!(classify(&T::String { len: Some(255) }, &T::String { len: Some(320) }), TypeChange::Widens);
        assert_eq!(classify(&T::String { len: Some(255) }, &T::Text), TypeChange::Widens);
        assert_eq!(classify(&T::String { len: Some(9) }, &T::String { len: None }), TypeChange::Widens);
        assert_eq!(classify(&T::Float, &T::Double), TypeChange::Widens);
        let dec = |p, s| T::Decimal { precision: Some(p), scale: Some(s) };
        assert_eq!(classify(&dec(10, 2), &dec(12, 4)), TypeChange::Widens);
        assert_eq!(classify(&T::Integer, &dec(10, 0)), TypeChange::Widens);
        let e = |v: &[&str]| T::InlineEnum(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(classify(&e(&["a"]), &e(&["a", "b"])), TypeChange::Widens);
    }

    #[test]
    fn narrowings_and_conversions() {
        assert!(matches!(classify(&T::BigInt, &T::Integer), TypeChange::Narrows(_)));
        assert!(matches!(classify(&T::Integer, &T::Unsigned), TypeChange::Narrows(_)));
        assert!(matches!(classify(&T::Text, &T::String { len: Some(10) }), TypeChange::Narrows(_)));
        assert!(matches!(classify(&T::String { len: Some(255) }, &T::String { len: Some(100) }), TypeChange::Narrows(_)));
        let dec = |p, s| T::Decimal { precision: Some(p), scale: Some(s) };
        assert!(matches!(classify(&dec(10, 2), &dec(10, 4)), TypeChange::Narrows(_)));
        assert!(matches!(classify(&T::BigInt, &dec(10, 0)), TypeChange::Narrows(_)));
        assert_eq!(classify(&T::Text, &T::Integer), TypeChange::Converts);
        assert_eq!(classify(&T::DateTime, &T::TimestampTz), TypeChange::Converts);
    }
}
