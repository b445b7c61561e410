//! Running the backends' own dump and client programs: finding them on PATH (or saying which
//! Debian package has them), and turning a failure into one redacted line.

use super::BackupError;
use crate::db::DatabaseUrl;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The first of `names` found on PATH; else an error naming `package`, which provides them.
pub fn find(names: &[&str], package: &'static str) -> Result<PathBuf, BackupError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Ok(candidate);
            }
        }
    }
    Err(BackupError::ToolMissing { tool: names.join(" or "), package })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    path.is_file()
}

/// The file name of a program, for messages.
pub fn name(program: &Path) -> String {
    program.file_name().map_or_else(|| program.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// What `program --version` prints, trimmed (e.g. `pg_dump (PostgreSQL) 15.20 (Debian ...)`).
pub fn version(program: &Path) -> Result<String, BackupError> {
    let output = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(BackupError::io("cannot run", program))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Spawns `command` with standard error captured. Standard input and output are what the
/// caller set on `command`.
pub fn spawn(command: &mut Command, program: &Path) -> Result<Child, BackupError> {
    command.stderr(Stdio::piped());
    command.spawn().map_err(BackupError::io("cannot run", program))
}

/// Waits for `child`; a non-zero exit becomes [`BackupError::ToolFailed`] quoting the end of
/// its standard error with `url`'s password masked.
pub fn finish(mut child: Child, program: &Path, url: &DatabaseUrl) -> Result<(), BackupError> {
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let status = child.wait().map_err(BackupError::io("cannot wait for", program))?;
    if status.success() {
        return Ok(());
    }
    Err(BackupError::ToolFailed {
        tool: name(program),
        status: status.code().map_or_else(|| "killed".to_string(), |c| format!("exit code {c}")),
        stderr: url.redact(&last_words(&stderr)),
    })
}

/// The last few non-empty lines of a tool's error output, on one line.
fn last_words(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let start = lines.len().saturating_sub(3);
    let words = lines[start..].join(" / ");
    if words.is_empty() { "no error output".to_string() } else { words }
}

/// Runs blocking work (a child process, file copies) off the async runtime's threads.
pub async fn blocking<T, F>(work: F) -> Result<T, BackupError>
where
    F: FnOnce() -> Result<T, BackupError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(|e| BackupError::Io {
        what: "a background task failed",
        path: PathBuf::new(),
        source: std::io::Error::other(e.to_string()),
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_names_its_debian_package() {
        let err = find(&["seamigrate-no-such-dump", "seamigrate-no-such-dump2"], "mariadb-client");
        let message = err.map(|p| p.display().to_string()).unwrap_or_else(|e| e.to_string());
        assert_eq!(
            message,
            "seamigrate-no-such-dump or seamigrate-no-such-dump2 is not installed (or not on PATH); \
             install the Debian package mariadb-client (`apt-get install mariadb-client`) on the \
             machine that runs the migrations"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_failing_tool_is_quoted_with_the_password_masked() {
        let url = DatabaseUrl::parse("postgres://app:SuperSecret99@db/app").unwrap_or_else(|e| panic!("{e}"));
        let program = PathBuf::from("/bin/sh");
        let mut command = Command::new(&program);
        command
            .args(["-c", "echo 'connecting'; echo 'password SuperSecret99 rejected for postgres://app:SuperSecret99@db/app' >&2; exit 3"])
            .stdout(Stdio::null());
        let result = spawn(&mut command, &program).and_then(|child| finish(child, &program, &url));
        let message = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(message, "sh failed (exit code 3): password *** rejected for postgres://app:***@db/app");
    }
}
