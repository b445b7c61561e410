//! Files a backup writes: readable by their owner only (0600, a directory created for them
//! 0700), because a dump holds every row of the database. Also the SHA-256 of a file and the
//! short-lived secret files that hand a password to a tool without a command line.

use super::BackupError;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Creates `dir` (and its parents) when missing; a directory created here is 0700. An existing
/// directory is left as it is: its permissions are the operator's choice.
pub fn private_dir(dir: &Path) -> Result<(), BackupError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(BackupError::io("cannot create the backup directory", dir))
}

/// Creates a new file that only its owner can read and write; fails if it exists, so that a
/// planted file or symbolic link is never written through.
pub fn create_private(path: &Path) -> Result<File, BackupError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(BackupError::io("cannot create", path))
}

/// Sets 0600 on a file another program created (SQLite's `VACUUM INTO` target).
pub fn make_private(path: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(BackupError::io("cannot restrict the permissions of", path))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The SHA-256 of a file's content, in lowercase hex.
pub fn sha256(path: &Path) -> Result<String, BackupError> {
    let mut file = File::open(path).map_err(BackupError::io("cannot read", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(BackupError::io("cannot read", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// A file holding a secret (a password) for a tool to read, 0600, removed when dropped.
pub struct SecretFile {
    path: PathBuf,
}

impl SecretFile {
    /// Writes `content` to a new private file in the system's temporary directory.
    pub fn new(stem: &str, content: &str) -> Result<SecretFile, BackupError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let name = format!(
            "seamigrate-{stem}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let mut file = create_private(&path)?;
        let secret = SecretFile { path };
        file.write_all(content.as_bytes())
            .and_then(|()| file.flush())
            .map_err(BackupError::io("cannot write", secret.path.clone()))?;
        Ok(secret)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
