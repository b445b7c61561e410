//! `.env`: read whole or not at all. A line that cannot be read stops the command before
//! anything runs, naming the file and the line but never showing the line, which may hold a
//! secret: a configuration read only in part could point a command at the wrong database or
//! the wrong environment.
//!
//! Parsing is dotenvy's; what is added is the all-or-nothing reading and the error wording.

use std::path::{Path, PathBuf};

/// A `.env` file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EnvFileError {
    #[error(
        "{} line {line}: {problem}; fix or remove that line (it is not shown: it may hold a \
         secret); nothing was run",
        .path.display()
    )]
    Line { path: PathBuf, line: usize, problem: &'static str },
    #[error("cannot read {}: {source}; fix its permissions or remove it; nothing was run", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The `.env` file of `dir` or its nearest ancestor, as dotenv tools look for it.
pub fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().map(|d| d.join(".env")).find(|p| p.is_file())
}

/// Every variable of the file at `path`, in order, or the first line that cannot be read.
pub fn read(path: &Path) -> Result<Vec<(String, String)>, EnvFileError> {
    let content = std::fs::read_to_string(path)
        .map_err(|source| EnvFileError::Read { path: path.to_path_buf(), source })?;
    let mut vars = Vec::new();
    for item in dotenvy::from_read_iter(content.as_bytes()) {
        match item {
            Ok(var) => vars.push(var),
            Err(dotenvy::Error::LineParse(text, at)) => {
                return Err(EnvFileError::Line {
                    path: path.to_path_buf(),
                    line: line_number(&content, &text),
                    problem: problem(&text, at),
                });
            }
            Err(other) => {
                let source = std::io::Error::other(other.to_string());
                return Err(EnvFileError::Read { path: path.to_path_buf(), source });
            }
        }
    }
    Ok(vars)
}

/// Reads the `.env` of the current directory (or an ancestor's) and sets its variables, except
/// those the environment already has, which win as with every dotenv tool.
pub fn load() -> Result<(), EnvFileError> {
    let Some(path) = std::env::current_dir().ok().and_then(|d| find(&d)) else {
        return Ok(());
    };
    for (key, value) in read(&path)? {
        if std::env::var_os(&key).is_none() {
            // SAFETY: called at start-up, before the runtime and its threads exist.
            unsafe { std::env::set_var(key, value) };
        }
    }
    Ok(())
}

/// The line (1-based) where the logical line `text` starts. A line that fails to parse fails
/// wherever it stands, so its first occurrence is the one that stopped the reading.
fn line_number(content: &str, text: &str) -> usize {
    let head = text.lines().next().unwrap_or_default();
    let at = content.find(text).or_else(|| content.find(head)).unwrap_or(0);
    content[..at].matches('\n').count() + 1
}

/// What is wrong with `text`, in words that quote none of it.
fn problem(text: &str, at: usize) -> &'static str {
    let text = text.trim_start();
    let text = text.strip_prefix("export ").unwrap_or(text);
    let Some((name, _)) = text.split_once('=') else {
        return "it has no `=`; write NAME=value";
    };
    let name = name.trim_end();
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !valid {
        return "the name before `=` is not a variable name (letters, digits and `_`)";
    }
    if at >= text.len() && text.matches(['"', '\'']).count() % 2 == 1 {
        return "a quote opened in its value is never closed";
    }
    "its value cannot be read (check its quotes, backslashes and `${...}`)"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(content: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, content).unwrap();
        (dir, path)
    }

    #[test]
    fn a_bad_line_stops_everything_without_showing_it() {
        let (_dir, path) = file("# settings\nDB_HOST 10.0.0.5\nAPP_ENV=production\n");
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("line 2: it has no `=`"), "{err}");
        assert!(!err.contains("10.0.0.5") && !err.contains("DB_HOST"), "{err}");

        let (_dir, path) = file("A=1\nDATABASE_URL=\"postgres://u:s3cret@h/db\nB=2\n");
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("line 2:") && err.contains("never closed"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");

        let (_dir, path) = file("GOOD=1\nBAD NAME=x\n");
        assert!(read(&path).unwrap_err().to_string().contains("line 2: the name"));
    }

    #[test]
    fn a_good_file_is_read_whole() {
        let (_dir, path) = file("export A=1\n# comment\n\nB=\"two words\"\nC='x=y'\n");
        let vars = read(&path).unwrap();
        let keys: Vec<_> = vars.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["A", "B", "C"]);
        assert_eq!(vars[1].1, "two words");
    }
}
