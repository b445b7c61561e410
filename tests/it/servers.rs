//! Throwaway database servers a test starts itself, from the installed binaries, in a temporary
//! directory on a free loopback port, stopped when dropped: PostgreSQL (`initdb`, `pg_ctl`) and
//! MariaDB (`mariadb-install-db`, `mariadbd`), with a certificate authority and certificates
//! made for the test.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A certificate authority, a server certificate for `localhost` only, a client certificate for
/// the user `certuser`, and a second, unrelated authority; all as PEM files in `dir`.
pub struct Certificates {
    pub ca: PathBuf,
    pub other_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

impl Certificates {
    pub fn make(dir: &Path) -> Certificates {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let authority = |name: &str| {
            let key = KeyPair::generate().expect("CA key");
            let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.distinguished_name.push(DnType::CommonName, name);
            let cert = params.self_signed(&key).expect("CA certificate");
            (cert, key)
        };
        let (ca, ca_key) = authority("seamigrate test CA");
        let (other, _) = authority("some other CA");
        let issue = |names: Vec<String>, common_name: &str| {
            let key = KeyPair::generate().expect("key");
            let mut params = CertificateParams::new(names).expect("params");
            params.distinguished_name.push(DnType::CommonName, common_name);
            let cert = params.signed_by(&key, &ca, &ca_key).expect("certificate");
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert, server_key) = issue(vec!["localhost".into()], "localhost");
        let (client_cert, client_key) = issue(Vec::new(), "certuser");
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("write a certificate file");
            set_mode(&path, 0o600);
            path
        };
        Certificates {
            ca: write("ca.pem", &ca.pem()),
            other_ca: write("other-ca.pem", &other.pem()),
            server_cert: write("server.crt", &server_cert),
            server_key: write("server.key", &server_key),
            client_cert: write("client.crt", &client_cert),
            client_key: write("client.key", &client_key),
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("its address").port()
}

/// Whether this process runs as root: the owner of a file it creates.
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    tempfile::tempfile().and_then(|f| f.metadata()).is_ok_and(|m| m.uid() == 0)
}

/// `program` run as the `postgres` user when this process is root (PostgreSQL refuses to run
/// as root), else as this user.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) {
    let output = command.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "{what} did not start listening");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A PostgreSQL cluster of its own that accepts only TLS connections over TCP: `certuser` must
/// present a client certificate, everyone else is trusted.
pub struct Postgres {
    pub port: u16,
    pub certs: Certificates,
    bin: PathBuf,
    data: PathBuf,
    _dir: tempfile::TempDir,
}

impl Postgres {
    pub fn start() -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed under /usr/lib/postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("an initdb");
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let certs = Certificates::make(dir.path());
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("-R").arg("postgres:postgres").arg(dir.path());
                    c
                },
                "chown the cluster's directory",
            );
        }
        let mut initdb = as_postgres(&bin.join("initdb"));
        initdb.args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "-D"]).arg(&data);
        run(initdb, "initdb");
        let port = free_port();
        let conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n\
             ssl = on\nssl_cert_file = '{cert}'\nssl_key_file = '{key}'\nssl_ca_file = '{ca}'\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 40\n",
            dir = dir.path().display(),
            cert = certs.server_cert.display(),
            key = certs.server_key.display(),
            ca = certs.ca.display(),
        );
        append(&data.join("postgresql.conf"), &conf);
        let hba = "local all all trust\n\
                   hostssl all certuser 127.0.0.1/32 cert\n\
                   hostssl all all 127.0.0.1/32 trust\n\
                   hostnossl all all 127.0.0.1/32 reject\n";
        std::fs::write(data.join("pg_hba.conf"), hba).expect("pg_hba.conf");
        let mut start = as_postgres(&bin.join("pg_ctl"));
        start.arg("-D").arg(&data).arg("-l").arg(dir.path().join("log")).args(["-w", "start"]);
        run(start, "pg_ctl start");
        wait_for_port(port, "PostgreSQL");
        Postgres { port, certs, bin, data, _dir: dir }
    }

    /// A URL to database `database` as `user`, with `params` as its query.
    pub fn url(&self, host: &str, user: &str, database: &str, params: &str) -> String {
        format!("postgres://{user}@{host}:{}/{database}?{params}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut stop = as_postgres(&self.bin.join("pg_ctl"));
        stop.arg("-D").arg(&self.data).args(["-m", "immediate", "-w", "stop"]);
        let _ = stop.stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().append(true).open(path).expect("open to append");
    file.write_all(text.as_bytes()).expect("append");
}

/// A MariaDB server of its own with TLS: `tls` must connect over TLS, `certuser` with a client
/// certificate; both may do anything.
pub struct Mariadb {
    pub port: u16,
    pub certs: Certificates,
    socket: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Mariadb {
    pub fn start() -> Mariadb {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let certs = Certificates::make(dir.path());
        let user = if is_root() { "root".to_string() } else { std::env::var("USER").unwrap_or_default() };
        let mut install = Command::new("mariadb-install-db");
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--user={user}"))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        run(install, "mariadb-install-db");
        let port = free_port();
        let socket = dir.path().join("mysqld.sock");
        let child = Command::new("/usr/sbin/mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.path().join("mysqld.pid").display()))
            .arg(format!("--log-error={}", dir.path().join("error.log").display()))
            .arg(format!("--user={user}"))
            .arg(format!("--ssl-ca={}", certs.ca.display()))
            .arg(format!("--ssl-cert={}", certs.server_cert.display()))
            .arg(format!("--ssl-key={}", certs.server_key.display()))
            .args(["--skip-log-bin", "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--skip-name-resolve"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mariadbd");
        wait_for_port(port, "MariaDB");
        let server = Mariadb { port, certs, socket, child, _dir: dir };
        server.sql(
            "CREATE USER tls@'%' REQUIRE SSL; GRANT ALL ON *.* TO tls@'%'; \
             CREATE USER certuser@'%' REQUIRE X509; GRANT ALL ON *.* TO certuser@'%'; \
             CREATE DATABASE app;",
        );
        server
    }

    /// Runs `sql` as root over the server's socket.
    pub fn sql(&self, sql: &str) {
        let mut client = Command::new("mariadb");
        client.arg("--no-defaults").arg(format!("--socket={}", self.socket.display())).args(["-uroot", "-e", sql]);
        run(client, "mariadb");
    }

    pub fn url(&self, host: &str, user: &str, database: &str, params: &str) -> String {
        format!("mysql://{user}@{host}:{}/{database}?{params}", self.port)
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
