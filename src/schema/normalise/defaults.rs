//! Column defaults: the many spellings of one default made one. SQL text is read as a literal
//! where it is one (`'TCP'::character varying`, `(3)`, `NULL`, `true`), the current time has one
//! name, and literals take the form the column's type gives them (MySQL's and SQLite's `1` or
//! `'1'` for a boolean is `true`; `'3'` for an integer is `3`).

use crate::schema::model::{ColumnType, DefaultValue};

/// `default` in canonical form for a column of (normalised) type `ty`; `None` where it is
/// `NULL`, which is what a column without a default holds anyway.
pub fn normalise(default: &DefaultValue, ty: &ColumnType) -> Option<DefaultValue> {
    let value = match default {
        DefaultValue::Expr(sql) => parse_sql(sql),
        DefaultValue::Float(f) => DefaultValue::Float(canonical_number(f)),
        other => other.clone(),
    };
    let value = for_type(value, ty);
    (value != DefaultValue::Null).then_some(value)
}

/// A decimal default as MySQL stores it for a column of `scale` digits after the point:
/// rounded (half away from zero) to that scale, since MySQL converts the default to the
/// column's type when the column is defined (PostgreSQL and SQLite keep it as written).
pub fn rounded_to_scale(value: DefaultValue, scale: u32) -> DefaultValue {
    let DefaultValue::Float(text) = &value else {
        return value;
    };
    let (Ok(number), Ok(exponent)) = (text.parse::<f64>(), i32::try_from(scale)) else {
        return value;
    };
    let factor = 10f64.powi(exponent);
    let rounded = (number * factor).round() / factor;
    let digits = usize::try_from(scale).unwrap_or(0);
    DefaultValue::Float(canonical_number(&format!("{rounded:.digits$}")))
}

/// Whether `sql` draws from a sequence: PostgreSQL's `serial` and sequence defaults.
pub fn is_sequence(sql: &str) -> bool {
    let sql = sql.trim_start();
    sql.get(..7)
        .is_some_and(|head| head.eq_ignore_ascii_case("nextval"))
        && sql[7..].trim_start().starts_with('(')
}

/// SQL text of a default as a value where it is a literal.
pub fn parse_sql(sql: &str) -> DefaultValue {
    let text = without_literal_cast(unwrap_parens(sql.trim()));
    if let Some((s, "")) = quoted_prefix(text) {
        return DefaultValue::Str(s);
    }
    match text.to_ascii_lowercase().as_str() {
        "null" => DefaultValue::Null,
        "true" => DefaultValue::Bool(true),
        "false" => DefaultValue::Bool(false),
        "now()" | "current_timestamp" | "current_timestamp()" | "transaction_timestamp()" => {
            DefaultValue::CurrentTimestamp
        }
        _ => number(text).unwrap_or_else(|| DefaultValue::Expr(text.to_owned())),
    }
}

/// The literal a value of `ty` means.
fn for_type(value: DefaultValue, ty: &ColumnType) -> DefaultValue {
    use ColumnType as T;
    use DefaultValue as D;
    match (ty, &value) {
        (T::Boolean, D::Int(0)) => D::Bool(false),
        (T::Boolean, D::Int(1)) => D::Bool(true),
        (T::Boolean, D::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "t" => D::Bool(true),
            "0" | "false" | "f" => D::Bool(false),
            _ => value,
        },
        (T::TinyInt | T::SmallInt | T::Integer | T::BigInt, D::Str(s))
        | (T::TinyUnsigned | T::SmallUnsigned | T::Unsigned | T::BigUnsigned, D::Str(s)) => {
            s.trim().parse().map(D::Int).unwrap_or(value)
        }
        (T::Float | T::Double | T::Decimal { .. }, D::Int(n)) => D::Float(n.to_string()),
        (T::Float | T::Double | T::Decimal { .. }, D::Str(s)) => match number(s.trim()) {
            Some(D::Int(n)) => D::Float(n.to_string()),
            Some(number) => number,
            None => value,
        },
        (
            T::String { .. } | T::Char { .. } | T::Text | T::Enum(_) | T::InlineEnum(_),
            D::Int(n),
        ) => D::Str(n.to_string()),
        (
            T::String { .. } | T::Char { .. } | T::Text | T::Enum(_) | T::InlineEnum(_),
            D::Float(f),
        ) => D::Str(f.clone()),
        _ => value,
    }
}

/// A number literal as `Int` or `Float`.
fn number(text: &str) -> Option<DefaultValue> {
    let numeric = |c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E');
    if text.is_empty() || !text.chars().all(numeric) || !text.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    if let Ok(n) = text.parse::<i64>() {
        return Some(DefaultValue::Int(n));
    }
    text.parse::<f64>()
        .ok()
        .map(|_| DefaultValue::Float(canonical_number(text)))
}

/// A decimal number without a leading `+` and without trailing zeros after the point.
fn canonical_number(text: &str) -> String {
    let text = text.trim().trim_start_matches('+');
    if !text.contains('.') || text.contains(['e', 'E']) {
        return text.to_owned();
    }
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `text` without parentheses around all of it: `((3))` is `3`, `(a) + (b)` stays.
fn unwrap_parens(mut text: &str) -> &str {
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        if !balanced(inner) {
            break;
        }
        text = inner.trim();
    }
    text
}

/// Whether no `)` in `text` closes a `(` before it, quotes aside.
fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// PostgreSQL's cast of a literal, `'TCP'::character varying` or `(-1)::integer`, as the literal;
/// any other text as it is (`now()::date` is not `now()`).
fn without_literal_cast(text: &str) -> &str {
    let Some(at) = cast_position(text) else {
        return text;
    };
    let literal = unwrap_parens(text[..at].trim());
    let is_literal = matches!(quoted_prefix(literal), Some((_, "")))
        || literal.eq_ignore_ascii_case("null")
        || number(literal).is_some();
    if is_literal { literal } else { text }
}

/// Where the first `::` outside quotes starts.
fn cast_position(text: &str) -> Option<usize> {
    let mut quoted = false;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' => quoted = !quoted,
            b':' if !quoted && bytes.get(i + 1) == Some(&b':') => return Some(i),
            _ => {}
        }
    }
    None
}

/// A leading SQL string literal `'it''s'` unquoted, and the text after it.
pub(crate) fn quoted_prefix(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('\'')?;
    let mut value = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\'' {
            value.push(c);
        } else if chars.peek().is_some_and(|&(_, next)| next == '\'') {
            value.push('\'');
            chars.next();
        } else {
            return Some((value, &body[i + 1..]));
        }
    }
    None
}
