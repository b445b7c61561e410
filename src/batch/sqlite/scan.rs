//! The bare words of a `CREATE TABLE` statement: its keywords and unquoted names, upper-cased,
//! skipping string literals, quoted names and comments. Enough to tell whether a table uses
//! a feature that SQLite's PRAGMAs do not describe (and a rebuild would therefore lose).

use std::iter::Peekable;
use std::str::Chars;

/// The bare words of `sql`, upper-cased, in order.
pub(super) fn bare_words(sql: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => skip_quoted(&mut chars, c),
            '[' => skip_past(&mut chars, ']'),
            '-' if chars.peek() == Some(&'-') => skip_past(&mut chars, '\n'),
            '/' if chars.peek() == Some(&'*') => skip_comment(&mut chars),
            c if c.is_ascii_alphabetic() || c == '_' => words.push(word(c, &mut chars)),
            c if c.is_ascii_digit() => skip_number(&mut chars),
            _ => {}
        }
    }
    words
}

fn word(first: char, chars: &mut Peekable<Chars<'_>>) -> String {
    let mut word = String::from(first.to_ascii_uppercase());
    while let Some(&c) = chars.peek() {
        if !(c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            break;
        }
        word.push(c.to_ascii_uppercase());
        chars.next();
    }
    word
}

/// Past the closing `quote`; a doubled quote is part of the text.
fn skip_quoted(chars: &mut Peekable<Chars<'_>>, quote: char) {
    while let Some(c) = chars.next() {
        if c == quote {
            if chars.peek() != Some(&quote) {
                return;
            }
            chars.next();
        }
    }
}

fn skip_past(chars: &mut Peekable<Chars<'_>>, end: char) {
    for c in chars.by_ref() {
        if c == end {
            return;
        }
    }
}

fn skip_comment(chars: &mut Peekable<Chars<'_>>) {
    chars.next();
    let mut star = false;
    for c in chars.by_ref() {
        if star && c == '/' {
            return;
        }
        star = c == '*';
    }
}

/// Past a number such as `1e5` or `0x1F`, whose letters are not words.
fn skip_number(chars: &mut Peekable<Chars<'_>>) {
    while chars
        .peek()
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '.')
    {
        chars.next();
    }
}

#[cfg(test)]
mod tests {
    use super::bare_words;

    #[test]
    fn skips_quotes_comments_and_numbers() {
        let sql = "CREATE TABLE \"check\" (a TEXT DEFAULT 'COLLATE', [strict] INT -- CHECK\n, \
                   b REAL DEFAULT 1e5 /* WITHOUT */ COLLATE nocase)";
        assert_eq!(
            bare_words(sql),
            ["CREATE", "TABLE", "A", "TEXT", "DEFAULT", "INT", "B", "REAL", "DEFAULT", "COLLATE", "NOCASE"]
        );
    }
}
